package io.satlake.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.satlake.SatisfactionPipeline;
import io.satlake.config.Settings;
import io.satlake.config.SettingsLoader;
import io.satlake.quality.ResponseValidator;
import io.satlake.sample.SampleDataGenerator;
import io.satlake.testing.SharedSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same typed sample as Parquet, JSON lines and Delta: identical facts and reason counts. */
class SourceFormatsTest {
  @TempDir
  static Path dir;
  static SparkSession spark;
  static SampleDataGenerator.Summary planted;

  @BeforeAll
  static void writeEveryFormat() {
    spark = SharedSpark.spark();
    planted = SampleDataGenerator.generate(spark, new SampleDataGenerator.Options(400, 50,
        dir.resolve("parquet").toString(), SampleDataGenerator.Format.PARQUET, 3));
    for (String input : List.of("responses", "crm")) {
      Dataset<Row> rows = spark.read().parquet(dir.resolve("parquet/" + input).toString());
      rows.write().json(dir.resolve("json/" + input).toString());
      rows.write().format("delta").save(dir.resolve("delta/" + input).toString());
    }
  }

  static SatisfactionPipeline.Analysis analyse(String format) {
    Settings settings = SettingsLoader.load(null, Map.of(
        "inputs.responses.path", dir.resolve(format + "/responses").toString(),
        "inputs.responses.format", format,
        "inputs.crm.path", dir.resolve(format + "/crm").toString(),
        "inputs.crm.format", format,
        "spark.catalog", "in-memory"));
    Sources.RawResponses raw = Sources.responses(spark, settings);
    List<String> crmSegments = settings.segments().dimensions().stream()
        .filter(s -> !raw.segmentColumns().contains(s)).toList();
    return SatisfactionPipeline.analyse(raw, Sources.crm(spark, settings, crmSegments), settings,
        settings.window().resolve(LocalDate.of(2025, 12, 31)), crmSegments);
  }

  static Map<String, Long> reasons(SatisfactionPipeline.Analysis analysis) {
    Map<String, Long> counts = new TreeMap<>();
    ResponseValidator.split(analysis.responses()).rejected().groupBy("reason").count().collectAsList()
        .forEach(r -> counts.put(r.getString(0), r.getLong(1)));
    return counts;
  }

  @Test
  void everyFormatYieldsTheSameFactsAndReasons() {
    Map<String, Long> expected = new TreeMap<>(planted.plantedBadRows());
    expected.values().removeIf(n -> n == 0); // Parquet cannot hold malformed lines or bad dates
    SatisfactionPipeline.Analysis parquet = analyse("parquet");
    assertEquals(expected, reasons(parquet));
    assertEquals(planted.goodResponses(), parquet.facts().count());
    Dataset<Row> reference = parquet.facts();
    for (String format : List.of("json", "delta")) {
      SatisfactionPipeline.Analysis other = analyse(format);
      assertEquals(expected, reasons(other), format);
      SharedSpark.base().assertDataFrameNoOrderEquals(reference, other.facts());
    }
  }
}
