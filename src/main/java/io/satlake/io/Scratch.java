package io.satlake.io;

import io.satlake.config.Settings;
import java.io.IOException;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's intermediate data, in its own folder under {@code satlake.scratch-dir}: written once as
 * Parquet and read back by every later stage, then deleted when the run ends. Parquet is cheaper
 * to build than Spark's compressed in-memory cache and needs no memory (at 16M responses the
 * cache had spilled to disk), and later stages read only the columns they use.
 */
public final class Scratch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("satlake");
  private final SparkSession spark;
  private final Path folder;

  public Scratch(SparkSession spark, Settings settings, String runId) {
    this.spark = spark;
    this.folder = new Path(settings.scratchDir(), runId);
  }

  /** Writes the rows and returns them read back, with the same schema. */
  public Dataset<Row> materialize(String name, Dataset<Row> rows) {
    String path = new Path(folder, name).toString();
    rows.write().mode("overwrite").parquet(path);
    return spark.read().schema(rows.schema()).parquet(path);
  }

  /** Deletes the run's folder; a failure is only logged: by then the run has written its tables or already failed. */
  @Override
  public void close() {
    try {
      folder.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(folder, true);
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not delete the run's scratch folder {}: {}", folder, e.toString());
    }
  }
}
