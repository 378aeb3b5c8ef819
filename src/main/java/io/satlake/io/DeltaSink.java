package io.satlake.io;

import static org.apache.spark.sql.functions.col;

import io.satlake.config.Identifiers;
import io.satlake.config.Settings;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import scala.collection.JavaConverters;

/**
 * Writes output tables as Delta at {@code <warehouse>/<database>/<table>}, registered in the
 * metastore with table and column comments. A run replaces its run date's rows in one atomic
 * commit ({@code replaceWhere}), so reruns and backfills never duplicate and readers see either
 * the old or the new version of a date.
 */
public final class DeltaSink {
  /** The view of {@link #refreshViews} that names the run date a reader should read. */
  public static final String LATEST_RUN_VIEW = "latest_run";
  /** Rows per file for {@link #gathered}: a rejected row with its raw record takes a few hundred bytes. */
  static final long ROWS_PER_FILE = 1_000_000;
  /** Spark's size estimate of the driver's rows that one task carries, at most (its warning is at 1 MiB). */
  static final long DRIVER_ROWS_PER_TASK_BYTES = 512 * 1024;
  private static final long MAX_SLICES = 100_000;
  private final SparkSession spark;
  private final Settings settings;
  private boolean databaseReady;
  /** Tables this sink has created or checked: the views after the writes need not check them again. */
  private final Set<String> readyTables = ConcurrentHashMap.newKeySet();

  public DeltaSink(SparkSession spark, Settings settings) {
    this.spark = spark;
    this.settings = settings;
  }

  public String location(String table) {
    return new Path(new Path(warehouseRoot(), settings.database()), table).toString();
  }

  public String qualifiedName(String table) {
    return Identifiers.quote(settings.database()) + "." + Identifiers.quote(table);
  }

  /**
   * Replaces the run date's rows of several tables, each in its own commit. The tables are
   * written concurrently: each write spends much of its time in driver-side Delta and metastore
   * work, during which the others keep the executors busy. Fails with the first failure after
   * every write has ended.
   */
  public void replaceRunDate(Map<TableSpec, Dataset<Row>> tables, LocalDate runDate, String runId) {
    noteRegisteredTables(tables.keySet());
    ExecutorService pool = Executors.newFixedThreadPool(tables.size());
    try {
      List<Future<?>> writes = new ArrayList<>();
      tables.forEach((spec, rows) -> writes.add(pool.submit(() -> replaceRunDate(spec, rows, runDate, runId))));
      RuntimeException failure = null;
      for (Future<?> write : writes) {
        try {
          write.get();
        } catch (ExecutionException e) {
          if (failure == null) {
            failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while writing tables", e);
        }
      }
      if (failure != null) {
        throw failure;
      }
    } finally {
      pool.shutdown();
    }
  }

  /** Replaces the run date's rows of the table with {@code rows}, conformed to the spec. */
  public void replaceRunDate(TableSpec spec, Dataset<Row> rows, LocalDate runDate, String runId) {
    spark.sparkContext().setJobDescription("satlake write " + spec.name());
    ensureTable(spec);
    conformed(spec, rows).write().format("delta")
        .mode("overwrite")
        .option("replaceWhere", "run_date = DATE'" + runDate + "'")
        .option("mergeSchema", "true")
        .option("userMetadata", runId)
        .save(location(spec.name()));
  }

  /** Appends rows (the run log keeps one row per run, reruns included). */
  public void append(TableSpec spec, Dataset<Row> rows, String runId) {
    ensureTable(spec);
    conformed(spec, rows).write().format("delta")
        .mode("append")
        .option("mergeSchema", "true")
        .option("userMetadata", runId)
        .save(location(spec.name()));
  }

  /**
   * The names the metastore lists in a database, in one round trip (lower case, as the metastore
   * keeps them). Asking table by table cost one round trip each, and the metastore client serves
   * one caller at a time: the 13 concurrent writes queued behind it.
   */
  private Set<String> registeredNames(String database) {
    Set<String> names = new HashSet<>();
    JavaConverters.seqAsJavaList(spark.sessionState().catalog().externalCatalog().listTables(lower(database)))
        .forEach(name -> names.add(lower(name)));
    return names;
  }

  /** Tables the metastore lists and that have no properties to check need no CREATE TABLE IF NOT EXISTS. */
  private void noteRegisteredTables(Collection<TableSpec> specs) {
    ensureDatabase();
    Set<String> registered = registeredNames(settings.database());
    for (TableSpec spec : specs) {
      if (spec.properties().isEmpty() && registered.contains(lower(spec.name()))) {
        readyTables.add(spec.name());
      }
    }
  }

  /**
   * (Re)creates one view per table in {@code viewsDatabase}, listing the table's current columns
   * (with their comments) explicitly. BI tools read columns through JDBC metadata, and the
   * metastore holds no columns for a Delta table (delta-io/delta#695); a view's are stored.
   * Recreated after every run, so columns added by mergeSchema appear in the views too.
   */
  public void refreshViews(List<TableSpec> specs, String viewsDatabase) {
    ensureViewsDatabase(viewsDatabase);
    noteRegisteredTables(specs);
    Map<String, CatalogTable> existingViews =
        existingViews(viewsDatabase, specs.stream().map(spec -> lower(spec.name())).toList());
    for (TableSpec spec : specs) {
      ensureTable(spec);
      // the table's current schema from its Delta log (the metastore keeps none for a Delta table)
      StructField[] fields = spark.read().format("delta").load(location(spec.name())).schema().fields();
      String query = "SELECT " + Arrays.stream(fields).map(f -> Identifiers.quote(f.name()))
          .collect(Collectors.joining(", ")) + " FROM " + qualifiedName(spec.name());
      replaceViewIfChanged(viewsDatabase, spec.name(), spec.comment(), fields, query,
          existingViews.get(lower(spec.name())));
    }
  }

  /**
   * (Re)creates {@link #LATEST_RUN_VIEW} in {@code viewsDatabase}: the latest run date whose last
   * run succeeded, from run_log (which must exist).
   */
  public void refreshLatestRunView(String viewsDatabase) {
    ensureViewsDatabase(viewsDatabase);
    // A run writes its tables as separate commits, so a run that failed half way may have replaced
    // some of its date's tables and not others: max(run_date) of one table is not a safe choice.
    String latestRun = "SELECT run_date, run_id FROM (SELECT run_date, max_by(status, started_at) AS status,"
        + " max_by(run_id, started_at) AS run_id FROM " + qualifiedName(OutputTables.RUN_LOG) + " GROUP BY run_date)"
        + " WHERE status = 'succeeded' ORDER BY run_date DESC LIMIT 1";
    StructField[] fields = {
        new StructField("run_date", DataTypes.DateType, true, Metadata.empty())
            .withComment("The latest run date whose last run succeeded: the date to read from every table"),
        new StructField("run_id", DataTypes.StringType, true, Metadata.empty())
            .withComment("Id of that run (the run_id column of its rows)")};
    replaceViewIfChanged(viewsDatabase, LATEST_RUN_VIEW, "The run date to read: the latest whose last run succeeded",
        fields, latestRun, existingViews(viewsDatabase, List.of(LATEST_RUN_VIEW)).get(LATEST_RUN_VIEW));
  }

  private void ensureViewsDatabase(String viewsDatabase) {
    spark.sql("CREATE DATABASE IF NOT EXISTS " + Identifiers.quote(viewsDatabase)
        + " COMMENT 'satlake tables as views with explicit columns, for BI tools' LOCATION '"
        + sqlString(new Path(warehouseRoot(), viewsDatabase).toString()) + "'");
  }

  /**
   * The catalog entries of those of the named views that exist, in one round trip (metadata only:
   * a view is not resolved, which could fail on a stale target).
   */
  private Map<String, CatalogTable> existingViews(String viewsDatabase, List<String> names) {
    Map<String, CatalogTable> existingViews = new HashMap<>();
    Set<String> registeredViews = registeredNames(viewsDatabase);
    List<String> viewed = names.stream().filter(registeredViews::contains).toList();
    if (!viewed.isEmpty()) {
      JavaConverters.seqAsJavaList(spark.sessionState().catalog().externalCatalog()
          .getTablesByName(lower(viewsDatabase), JavaConverters.asScalaBuffer(viewed).toSeq()))
          .forEach(view -> existingViews.put(lower(view.identifier().table()), view));
    }
    return existingViews;
  }

  /**
   * Spark replaces a view by dropping and creating it: a BI query in between would fail. So an
   * unchanged view (the nightly case) is left alone; only a new or changed one is (re)created.
   */
  private void replaceViewIfChanged(String viewsDatabase, String name, String comment, StructField[] fields,
      String query, CatalogTable existing) {
    List<String> wanted = columnsWithComments(fields);
    if (existing != null && columnsWithComments(existing.schema().fields()).equals(wanted)
        && existing.viewText().isDefined() && existing.viewText().get().equals(query)) {
      return;
    }
    List<String> declared = new ArrayList<>();
    for (StructField field : fields) {
      declared.add(Identifiers.quote(field.name()) + " COMMENT '" + sqlString(commentOf(field)) + "'");
    }
    spark.sql("CREATE OR REPLACE VIEW " + Identifiers.quote(viewsDatabase) + "." + Identifiers.quote(name)
        + " (" + String.join(", ", declared) + ") COMMENT '" + sqlString(comment) + "' AS " + query);
  }

  private static List<String> columnsWithComments(StructField[] fields) {
    return Arrays.stream(fields).map(f -> f.name() + "\u0000" + commentOf(f)).toList();
  }

  private static String commentOf(StructField field) {
    return field.getComment().isDefined() ? field.getComment().get() : "";
  }

  /**
   * Rows held by the driver are scanned in one task per core (up to the number of rows), and each
   * task writes a file: on a cluster every small table would get hundreds of tiny files per run
   * date. They go out as one file: without a shuffle when small, else (see {@link #sliced}) by a
   * shuffle of slices.
   */
  private static Dataset<Row> conformed(TableSpec spec, Dataset<Row> rows) {
    Dataset<Row> conformed = rows.select(conform(spec));
    if (!(conformed.queryExecution().optimizedPlan() instanceof LocalRelation local)) {
      return conformed;
    }
    long bytes = local.stats().sizeInBytes().longValue();
    return bytes <= DRIVER_ROWS_PER_TASK_BYTES ? conformed.coalesce(1) : sliced(conformed, bytes).repartition(1);
  }

  /**
   * The driver's rows in slices of about {@link #DRIVER_ROWS_PER_TASK_BYTES}. A task that scans
   * them carries its slice. Merged into one task (coalesce), the sample's 30,000 trend rows made a
   * task of 8 to 11 MB, so about half a million rows (trends of a segment dimension with thousands
   * of values) pass {@code spark.rpc.message.maxSize} (128 MiB), and a cluster refuses the task.
   */
  private static Dataset<Row> sliced(Dataset<Row> local, long bytes) {
    int slices = (int) Math.min(MAX_SLICES, (bytes + DRIVER_ROWS_PER_TASK_BYTES - 1) / DRIVER_ROWS_PER_TASK_BYTES);
    SparkSession spark = local.sparkSession();
    // collecting a local relation runs no job: the rows are already here
    return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(local.collectAsList(), slices), local.schema());
  }

  /**
   * Rows scattered over many partitions (a few rejected rows in every input split) gathered into
   * one partition per {@link #ROWS_PER_FILE} of {@code rowCount} rows, so that each becomes one
   * file, not one per split. A shuffle of only these rows; the scan keeps its parallelism.
   */
  public static Dataset<Row> gathered(Dataset<Row> rows, long rowCount) {
    return rows.repartition((int) Math.max(1, Math.min(Integer.MAX_VALUE, (rowCount + ROWS_PER_FILE - 1) / ROWS_PER_FILE)));
  }

  private static Column[] conform(TableSpec spec) {
    List<Column> columns = new ArrayList<>();
    for (var field : spec.schema().fields()) {
      columns.add(col(Identifiers.quote(field.name())).cast(field.dataType()).as(field.name(), field.metadata()));
    }
    return columns.toArray(Column[]::new);
  }

  private synchronized void ensureDatabase() {
    if (!databaseReady) {
      spark.sql("CREATE DATABASE IF NOT EXISTS " + Identifiers.quote(settings.database())
          + " COMMENT 'satlake customer-satisfaction analytics' LOCATION '"
          + sqlString(new Path(warehouseRoot(), settings.database()).toString()) + "'");
      databaseReady = true;
    }
  }

  /** Creates the database and the (empty) table with its comments on first use. */
  private void ensureTable(TableSpec spec) {
    if (readyTables.contains(spec.name())) {
      return;
    }
    ensureDatabase();
    StringBuilder ddl = new StringBuilder("CREATE TABLE IF NOT EXISTS ")
        .append(qualifiedName(spec.name())).append(" (");
    for (int i = 0; i < spec.columns().size(); i++) {
      TableSpec.ColumnSpec c = spec.columns().get(i);
      ddl.append(i == 0 ? "" : ", ").append(Identifiers.quote(c.name())).append(' ')
          .append(c.type().sql()).append(" COMMENT '").append(sqlString(c.comment())).append('\'');
    }
    ddl.append(") USING DELTA");
    if (spec.partitioned()) {
      ddl.append(" PARTITIONED BY (run_date)");
    }
    ddl.append(" COMMENT '").append(sqlString(spec.comment())).append("' LOCATION '")
        .append(sqlString(location(spec.name()))).append('\'');
    if (!spec.properties().isEmpty()) {
      ddl.append(" TBLPROPERTIES (").append(properties(spec)).append(')');
    }
    spark.sql(ddl.toString());
    // A table created by an earlier version keeps its properties until they are set here.
    for (Map.Entry<String, String> property : spec.properties().entrySet()) {
      List<Row> current = spark.sql("SHOW TBLPROPERTIES " + qualifiedName(spec.name()) + " ('"
          + sqlString(property.getKey()) + "')").collectAsList();
      if (current.isEmpty() || !property.getValue().equals(current.get(0).getString(1))) {
        spark.sql("ALTER TABLE " + qualifiedName(spec.name()) + " SET TBLPROPERTIES (" + properties(spec) + ")");
        break;
      }
    }
    readyTables.add(spec.name());
  }

  private static String properties(TableSpec spec) {
    List<String> pairs = new ArrayList<>();
    spec.properties().forEach((k, v) -> pairs.add("'" + sqlString(k) + "' = '" + sqlString(v) + "'"));
    return String.join(", ", pairs);
  }

  /** The warehouse as an absolute, qualified path (a relative local path resolves against the working dir). */
  private Path warehouseRoot() {
    Path path = new Path(settings.warehouse());
    try {
      return path.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(path);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot resolve warehouse " + settings.warehouse(), e);
    }
  }

  private static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  private static String sqlString(String s) {
    return s.replace("\\", "\\\\").replace("'", "\\'");
  }
}
