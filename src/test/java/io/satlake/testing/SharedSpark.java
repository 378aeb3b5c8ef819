package io.satlake.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import io.satlake.io.SparkSessions;
import java.util.Arrays;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * One local SparkSession (Delta and Hive metastore enabled, the job's Spark settings) for the
 * whole test JVM, created on first use. spark-testing-base's Java base is JUnit 4 style, so it is
 * used as a helper object: tests call {@link #base()} for its DataFrame assertions and
 * {@link #spark()} for the session.
 */
public final class SharedSpark {
  private static JavaDataFrameSuiteBase base;

  private SharedSpark() {}

  public static synchronized JavaDataFrameSuiteBase base() {
    if (base == null) {
      base = new JavaDataFrameSuiteBase() {
        @Override
        public SparkConf conf() {
          // the job's own defaults: with Delta's (50 tasks to rebuild a table's state before
          // each write) a test run of the job spent half its time in its writes
          return SparkSessions.withJobDefaults(super.conf()
              .setMaster("local[2]")
              .setAppName("satlake-tests")
              .set("spark.ui.enabled", "false")
              .set("spark.sql.shuffle.partitions", "4")
              .set("spark.driver.bindAddress", "127.0.0.1")
              // The stricter of the settings clusters differ in, so the job is proven under both:
              // Kryo (many clusters' default), which whatever the job hands Spark to serialize
              // (task results, shuffled values) must survive, and ANSI mode (Spark 4's default),
              // in which an impossible cast or a division by zero fails the query instead of
              // giving NULL. The ITs, the demo and the benchmark run Spark's defaults.
              .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
              .set("spark.sql.ansi.enabled", "true")
              // Generated code that does not compile (a method above Java's 64 KB) fails the test
              // instead of running quietly without whole-stage code generation, several times slower.
              .set("spark.sql.codegen.fallback", "false"));
        }
      };
      base.runBefore();
    }
    return base;
  }

  public static SparkSession spark() {
    return base().spark();
  }

  /** Asserts the rows, in any order, against values typed by the actual schema. */
  public static void assertRows(Dataset<Row> actual, Object[]... expected) {
    Dataset<Row> expectedFrame = spark().createDataFrame(Arrays.stream(expected).map(RowFactory::create).toList(),
        actual.schema());
    base().assertDataFrameNoOrderEquals(expectedFrame, actual);
  }
}
