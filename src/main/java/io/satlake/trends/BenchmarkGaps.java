package io.satlake.trends;

import io.satlake.SatlakeException;
import io.satlake.config.Settings;
import io.satlake.io.OutputTables;
import io.satlake.io.Sources;
import io.satlake.metrics.Metric;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * benchmark_gaps: the current figure of every segment and benchmarked metric against each
 * industry or peer benchmark, one row per segment × metric × peer group (long format: a radar
 * chart takes metric as the axis, value and benchmark_value as the two series).
 */
public final class BenchmarkGaps {
  private BenchmarkGaps() {}

  /** One line of the benchmarks file. */
  public record Benchmark(String metric, String peerGroup, double value, String source, String origin) {}

  public static List<Benchmark> read(SparkSession spark, Settings settings) {
    String path = settings.tracking().benchmarksFile();
    if (path == null) {
      return List.of();
    }
    List<Benchmark> benchmarks = new ArrayList<>();
    List<List<String>> rows = Sources.smallCsv(spark, path, "satlake.benchmarks.file",
        List.of("metric", "peer_group", "value"), List.of("source"));
    for (int i = 0; i < rows.size(); i++) {
      List<String> r = rows.get(i);
      String where = path + " row " + (i + 1);
      if (r.get(0) == null || r.get(1) == null || r.get(2) == null) {
        throw SatlakeException.badInput(where + ": metric, peer_group and value are required");
      }
      try {
        benchmarks.add(new Benchmark(r.get(0), r.get(1), Double.parseDouble(r.get(2)), r.get(3), where));
      } catch (NumberFormatException e) {
        throw SatlakeException.badInput(where + ": value '" + r.get(2) + "' is not a number");
      }
    }
    benchmarks.forEach(b -> Tracker.metric(settings, b.metric(), b.origin()));
    return benchmarks;
  }

  public static Dataset<Row> compute(Tracker t, List<Benchmark> benchmarks, LocalDate runDate, String runId) {
    List<Row> rows = new ArrayList<>();
    for (List<String> segment : t.states.segments()) {
      for (Benchmark b : benchmarks) {
        Metric metric = t.metric(b.metric(), b.origin());
        Figure f = t.current(segment, metric);
        List<Object> v = new ArrayList<>(List.of(Date.valueOf(runDate), runId));
        v.addAll(f.keyColumns(t.settings));
        v.addAll(f.figureColumns());
        Double value = f.value();
        v.addAll(Arrays.asList(b.peerGroup(), b.value(), b.source(), value == null ? null : value - b.value(),
            TargetTracking.excludes(f, b.value()),
            value == null ? null : value != b.value() && !metric.worse(value, b.value())));
        rows.add(RowFactory.create(v.toArray()));
      }
    }
    return SparkSession.active().createDataFrame(rows, OutputTables.benchmarkGaps(t.settings).schema());
  }
}
