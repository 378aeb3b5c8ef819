package io.satlake.drivers;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.corr;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.satlake.config.Identifiers;
import io.satlake.config.Settings;
import io.satlake.enrich.CrmEnricher;
import io.satlake.io.OutputTables;
import io.satlake.metrics.Stats;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;

/**
 * driver_correlations: Pearson and Spearman of each target with each driver, overall and per
 * value of each correlation level.
 *
 * <p>The sample of a target is its complete cases: CRM-matched responses carrying the target and
 * every driver, so the correlations of a target form one consistent matrix (the one key-driver
 * analysis decomposes) and agree with MLlib's {@code Correlation} on the same rows.
 *
 * <p>Each response is expanded once per level and carries all targets; a target's sample is the
 * rows where it is present. Average ranks (ties share their mean rank) are exact, from value
 * counts over that sample only, with no global sort. One aggregation yields every coefficient
 * ({@code corr} skips rows where either side is NULL, which is exactly the target's sample).
 */
public final class DriverCorrelations {
  public static final String OVERALL = "overall";
  private static final String LEVEL = "level";
  private static final String SEGMENT = "segment_value";
  /** A variable's rank table up to this many rows (~40 B each) is broadcast to the join. */
  private static final long MAX_BROADCAST_ROWS = 2_000_000;

  private DriverCorrelations() {}

  public static Dataset<Row> compute(Dataset<Row> facts, Settings settings, LocalDate runDate, String runId) {
    List<String> drivers = settings.driverColumns();
    Dataset<Row> expanded = expand(facts, drivers, settings.segments().correlationLevels());
    List<String> variables = new ArrayList<>(targetColumns());
    for (int i = 0; i < drivers.size(); i++) {
      variables.add(x(i));
    }
    // The count table is read once per variable: materialize it once, and broadcast each
    // variable's part when its actual size allows (always for scales; a continuous driver has a
    // row per distinct value and segment).
    Dataset<Row> ranks = rankTable(expanded, variables).persist(StorageLevel.MEMORY_AND_DISK());
    List<Row> coefficients;
    try {
      List<String> broadcastable = new ArrayList<>();
      for (Row size : ranks.groupBy("variable").count().collectAsList()) {
        if (size.getLong(1) <= MAX_BROADCAST_ROWS) {
          broadcastable.add(size.getString(0));
        }
      }
      Dataset<Row> ranked = withRanks(expanded, ranks, variables, broadcastable);
      List<Column> aggregates = new ArrayList<>();
      for (String t : Settings.TARGETS) {
        aggregates.add(count(col(y(t))).as("n_" + t));
        for (int i = 0; i < drivers.size(); i++) {
          aggregates.add(corr(col(y(t)), col(x(i))).as("pearson_" + t + "_" + i));
          aggregates.add(corr(col(rank(t, y(t))), col(rank(t, x(i)))).as("spearman_" + t + "_" + i));
        }
      }
      coefficients = ranked.groupBy(LEVEL, SEGMENT)
          .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new))
          .collectAsList(); // one row per segment: small
    } finally {
      ranks.unpersist();
    }

    List<Row> rows = new ArrayList<>();
    for (Row c : coefficients) {
      for (String t : Settings.TARGETS) {
        long n = c.getAs("n_" + t);
        if (n == 0) {
          continue;
        }
        for (int i = 0; i < drivers.size(); i++) {
          for (String method : List.of("pearson", "spearman")) {
            rows.add(outputRow(c, t, n, drivers.get(i), method, c.getAs(method + "_" + t + "_" + i), settings,
                runDate, runId));
          }
        }
      }
    }
    return facts.sparkSession().createDataFrame(rows, OutputTables.driverCorrelations(settings).schema());
  }

  /**
   * One row per complete case × level: level, segment_value, each target as y_&lt;target&gt;
   * (NULL when absent) and the drivers as x0..xk.
   */
  static Dataset<Row> expand(Dataset<Row> facts, List<String> drivers, List<String> levels) {
    Column complete = col(CrmEnricher.MATCHED);
    List<Column> columns = new ArrayList<>();
    for (int i = 0; i < drivers.size(); i++) {
      complete = complete.and(col(Identifiers.quote(drivers.get(i))).isNotNull());
      columns.add(col(Identifiers.quote(drivers.get(i))).cast(DataTypes.DoubleType).as(x(i)));
    }
    Column anyTarget = lit(false);
    for (String t : Settings.TARGETS) {
      anyTarget = anyTarget.or(col(t).isNotNull());
      columns.add(col(t).cast(DataTypes.DoubleType).as(y(t)));
    }
    List<Column> segments = new ArrayList<>();
    segments.add(struct(lit(OVERALL).as(LEVEL), lit("").as(SEGMENT)));
    for (String level : levels) {
      segments.add(struct(lit(level).as(LEVEL), col(Identifiers.quote(level)).as(SEGMENT)));
    }
    columns.add(explode(array(segments.toArray(Column[]::new))).as("s"));
    List<Column> flat = new ArrayList<>(List.of(col("s." + LEVEL).as(LEVEL), col("s." + SEGMENT).as(SEGMENT)));
    for (String t : Settings.TARGETS) {
      flat.add(col(y(t)));
    }
    for (int i = 0; i < drivers.size(); i++) {
      flat.add(col(x(i)));
    }
    return facts.filter(complete.and(anyTarget)).select(columns.toArray(Column[]::new))
        .select(flat.toArray(Column[]::new));
  }

  /**
   * Average ranks from value counts: per (segment, variable, value) the number of rows of each
   * target's sample, cumulated into rank_&lt;target&gt; = (values below) + (ties + 1) / 2.
   */
  static Dataset<Row> rankTable(Dataset<Row> expanded, List<String> variables) {
    List<Column> pairs = new ArrayList<>();
    for (String v : variables) {
      pairs.add(struct(lit(v).as("variable"), col(v).as("value")));
    }
    List<Column> counts = new ArrayList<>();
    for (String t : Settings.TARGETS) {
      counts.add(count(col("e." + y(t))).as("ties_" + t));
    }
    Dataset<Row> table = expanded
        .select(col(LEVEL), col(SEGMENT), struct(targetColumns().stream().map(c -> col(c)).toArray(Column[]::new)).as("e"),
            explode(array(pairs.toArray(Column[]::new))).as("p"))
        .groupBy(col(LEVEL), col(SEGMENT), col("p.variable").as("variable"), col("p.value").as("value"))
        .agg(counts.get(0), counts.subList(1, counts.size()).toArray(Column[]::new));
    WindowSpec upToValue = Window.partitionBy(LEVEL, SEGMENT, "variable").orderBy("value")
        .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    for (String t : Settings.TARGETS) {
      Column ties = col("ties_" + t);
      table = table.withColumn("rank_" + t, sum(ties).over(upToValue).minus(ties.minus(1).divide(2.0)));
    }
    return table;
  }

  /**
   * Joins each variable's ranks back on its value, by broadcast for the given variables and by a
   * join Spark (AQE) chooses for the others. Adds rank_&lt;target&gt;_&lt;variable&gt;, NULL
   * outside the target's sample.
   */
  static Dataset<Row> withRanks(Dataset<Row> expanded, Dataset<Row> table, List<String> variables,
      List<String> broadcastable) {
    Dataset<Row> ranked = expanded;
    for (String variable : variables) {
      List<Column> lookup = new ArrayList<>(List.of(col(LEVEL), col(SEGMENT), col("value").as(variable)));
      for (String t : rankedTargets(variable)) {
        lookup.add(col("rank_" + t).as(rank(t, variable)));
      }
      Dataset<Row> ranks = table.filter(col("variable").equalTo(variable)).select(lookup.toArray(Column[]::new));
      ranked = ranked.join(broadcastable.contains(variable) ? broadcast(ranks) : ranks,
          scala.collection.JavaConverters.asScalaBuffer(List.of(LEVEL, SEGMENT, variable)).toSeq(), "left");
    }
    for (String v : variables) {
      for (String t : rankedTargets(v)) {
        ranked = ranked.withColumn(rank(t, v), when(col(y(t)).isNotNull(), col(rank(t, v))));
      }
    }
    return ranked;
  }

  /** Targets a variable is ranked for: all of them for a driver, its own sample for a target. */
  private static List<String> rankedTargets(String variable) {
    return Settings.TARGETS.stream().filter(t -> !variable.startsWith("y_") || variable.equals(y(t))).toList();
  }

  private static Row outputRow(Row c, String target, long n, String driver, String method, Double r,
      Settings settings, LocalDate runDate, String runId) {
    String level = c.getAs(LEVEL);
    List<Object> v = new ArrayList<>();
    v.add(Date.valueOf(runDate));
    v.add(runId);
    v.add(level);
    for (String l : settings.segments().correlationLevels()) {
      v.add(l.equals(level) ? c.getAs(SEGMENT) : null);
    }
    v.add(target);
    v.add(driver);
    v.add(method);
    v.add(n);
    boolean suppressed = n < settings.minN();
    if (suppressed || r == null || r.isNaN()) {
      v.addAll(Arrays.asList(null, null, null, null));
    } else {
      Stats.Correlation e = Stats.correlation(r, n);
      v.addAll(Arrays.asList(r, nanToNull(e.pValue()), nanToNull(e.low()), nanToNull(e.high())));
    }
    v.add(suppressed);
    return RowFactory.create(v.toArray());
  }

  private static List<String> targetColumns() {
    return Settings.TARGETS.stream().map(DriverCorrelations::y).toList();
  }

  static String y(String target) {
    return "y_" + target;
  }

  static String x(int i) {
    return "x" + i;
  }

  static String rank(String target, String variable) {
    return "rank_" + target + "_" + variable;
  }

  private static Double nanToNull(double value) {
    return Double.isNaN(value) ? null : value;
  }
}
