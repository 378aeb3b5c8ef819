package io.satlake.io;

import io.satlake.config.Settings;
import java.io.File;
import java.io.IOException;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the job's SparkSession from settings, deferring to whatever spark-submit already set. */
public final class SparkSessions {
  private static final long BYTES_PER_SHUFFLE_PARTITION = 64L << 20;

  private SparkSessions() {}

  public static SparkSession create(Settings settings) {
    Settings.SparkSettings s = settings.spark();
    SparkConf conf = new SparkConf(); // picks up spark-submit's and -Dspark.* settings
    if (!conf.contains("spark.master")) {
      conf.setMaster(s.master());
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
      conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    }
    conf.setIfMissing("spark.app.name", s.appName());
    withJobDefaults(conf);
    s.conf().forEach(conf::set);
    SparkSession.Builder builder = SparkSession.builder().config(conf);
    switch (s.catalog()) {
      case EMBEDDED -> {
        File warehouse = new File(stripFileScheme(settings.warehouse())).getAbsoluteFile();
        File metastore = new File(warehouse, "_metastore");
        metastore.mkdirs();
        System.setProperty("derby.system.home", metastore.getPath()); // derby.log goes there too
        conf.set("spark.sql.warehouse.dir", warehouse.toURI().toString());
        conf.set("spark.hadoop.javax.jdo.option.ConnectionURL",
            "jdbc:derby:;databaseName=" + new File(metastore, "metastore_db").getPath() + ";create=true");
        builder.config(conf).enableHiveSupport();
      }
      case SHARED -> {
        // A metastore in its own server, so a Thrift server (serve-bi) and the job can use it at
        // once: embedded Derby admits one JVM. spark.conf and spark-submit settings win.
        String url = settings.bi().metastoreUrl();
        conf.setIfMissing("spark.hadoop.javax.jdo.option.ConnectionURL", url);
        if (url.startsWith("jdbc:derby://")) {
          conf.setIfMissing("spark.hadoop.javax.jdo.option.ConnectionDriverName", "org.apache.derby.jdbc.ClientDriver");
        } else if (url.startsWith("jdbc:postgresql:")) {
          conf.setIfMissing("spark.hadoop.javax.jdo.option.ConnectionDriverName", "org.postgresql.Driver");
        }
        if (!settings.warehouse().contains("://") || settings.warehouse().startsWith("file:")) {
          conf.setIfMissing("spark.sql.warehouse.dir",
              new File(stripFileScheme(settings.warehouse())).getAbsoluteFile().toURI().toString());
        }
        builder.config(conf).enableHiveSupport();
      }
      case HIVE -> builder.enableHiveSupport();
      case IN_MEMORY -> builder.config("spark.sql.catalogImplementation", "in-memory");
    }
    return builder.getOrCreate();
  }

  /**
   * The job's Spark settings where {@code conf} has none: Delta, UTC, adaptive execution and the
   * write settings below. The tests' shared session starts from these too, so that they run the
   * job as it runs in production.
   */
  public static SparkConf withJobDefaults(SparkConf conf) {
    conf.setIfMissing("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
    conf.setIfMissing("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    conf.setIfMissing("spark.sql.session.timeZone", "UTC");
    conf.setIfMissing("spark.sql.adaptive.enabled", "true");
    // Delta rebuilds a table's state from its log in this many tasks (default 50) before every
    // write. Our logs hold one commit per run date and a checkpoint every 10, so one task replays
    // them quickly; each task also generates and compiles the deserializer of Delta's actions
    // again, so 50 (or 4) tasks per table made a run's writes seconds slower.
    conf.setIfMissing("spark.databricks.delta.snapshotPartitions", "1");
    // Every response id is unique: Parquet would fill a dictionary for each row group and then
    // throw it away. (A customer answers several times: its key does gain from the dictionary.)
    conf.setIfMissing("spark.hadoop.parquet.enable.dictionary#response_id", "false");
    // A run writes one partition (its run date) per table, so each task needs a single open
    // file. Without concurrent writers Spark first sorts every task's rows by the partition
    // column: at 16M responses that sort spilled 2.3 GB of response_facts to disk.
    conf.setIfMissing("spark.sql.maxConcurrentOutputFileWriters", "4");
    return conf;
  }

  /**
   * Per-run SQL settings: strict date parsing, and shuffle partitions: the configured value, else
   * the one the launcher set, else one per 64 MiB of input between 2 and 4 per core (AQE coalesces).
   */
  public static void configureRun(SparkSession spark, Settings settings, long inputBytes) {
    spark.conf().set("spark.sql.legacy.timeParserPolicy", "CORRECTED");
    // One aggregation computes every correlation of a segment; Spark's default (100) would switch
    // whole-stage codegen off for it and make it several times slower.
    spark.conf().set("spark.sql.codegen.maxFields", 2000);
    int partitions = settings.spark().shufflePartitions();
    if (partitions == 0 && spark.sparkContext().getConf().contains("spark.sql.shuffle.partitions")) {
      return;
    }
    if (partitions == 0) {
      int cores = spark.sparkContext().defaultParallelism();
      long byInput = (inputBytes + BYTES_PER_SHUFFLE_PARTITION - 1) / BYTES_PER_SHUFFLE_PARTITION;
      partitions = (int) Math.max(2, Math.min(4L * cores, byInput));
    }
    spark.conf().set("spark.sql.shuffle.partitions", partitions);
  }

  /** Total bytes under the input paths (0 when unknown), for sizing. */
  public static long inputBytes(SparkSession spark, String... paths) {
    long total = 0;
    for (String path : paths) {
      try {
        Path p = new Path(path);
        total += p.getFileSystem(spark.sparkContext().hadoopConfiguration()).getContentSummary(p).getLength();
      } catch (IOException | IllegalArgumentException e) {
        // sizing is a hint; a missing input is reported by Sources with its config key
      }
    }
    return total;
  }

  private static String stripFileScheme(String path) {
    return path.startsWith("file:") ? path.substring("file:".length()) : path;
  }

}
