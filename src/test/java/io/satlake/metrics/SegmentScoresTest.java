package io.satlake.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.config.Settings;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seven responses over two months whose scores are worked out below by hand:
 * overall NPS has promoters {10, 9, 10}, passives {8, 7}, detractors {6, 3}; CSAT answers
 * {5, 4, 2, 4, 1, 3} (three of six are 4-5); CES {2, 3, 5, 6, 1, 4}; quality {7, 6, 3, 5, 2, 7}.
 */
class SegmentScoresTest {
  static final double Z = 1.959963984540054;
  static final double T_975_5 = 2.570581835636314; // Student t table, 5 df

  @TempDir
  static Path dir;
  static List<Row> scores;

  @BeforeAll
  static void compute() {
    StructType schema = new StructType().add("channel", DataTypes.StringType).add("region", DataTypes.StringType)
        .add("survey_date", DataTypes.DateType).add("period_start", DataTypes.DateType)
        .add("nps", DataTypes.IntegerType).add("csat", DataTypes.IntegerType).add("ces", DataTypes.IntegerType)
        .add("dim_quality", DataTypes.IntegerType).add("satisfaction_index", DataTypes.DoubleType)
        .add("complaint_category", DataTypes.StringType);
    List<Row> facts = List.of(
        response("web", "north", "2025-01-05", 10, 5, 2, 7),
        response("web", "north", "2025-01-06", 9, 4, 3, 6),
        response("web", "south", "2025-01-07", 6, 2, 5, 3),
        response("app", "north", "2025-01-08", 8, 4, null, 5),
        response("app", "south", "2025-02-02", 3, 1, 6, 2),
        response("web", "north", "2025-02-03", 10, null, 1, 7),
        response("app", "south", "2025-02-04", 7, 3, 4, null));
    Settings settings = TestInputs.small(dir, dir, dir, "min-n=3", "complaints.categories=[billing]");
    Dataset<Row> input = SharedSpark.spark().createDataFrame(facts, schema);
    scores = SegmentScores.compute(input, settings, LocalDate.of(2025, 12, 31), "run-1",
        settings.window().resolve(LocalDate.of(2025, 12, 31))).collectAsList();
  }

  /** The index of the one-dimension model is the rescaled quality rating; complaints: web-north ones are billing. */
  private static Row response(String channel, String region, String date, Integer nps, Integer csat, Integer ces,
      Integer quality) {
    Date d = Date.valueOf(date);
    String complaint = csat != null && csat <= 2 ? "delivery" : channel.equals("web") && date.endsWith("06") ? "billing"
        : null;
    return RowFactory.create(channel, region, d, Date.valueOf(d.toLocalDate().withDayOfMonth(1)), nps, csat, ces,
        quality, quality == null ? null : (quality - 1) / 6.0 * 100, complaint);
  }

  private static Row find(String grain, String segmentKey, String channel, String region, String periodStart) {
    return scores.stream().filter(r -> r.getAs("period_grain").equals(grain)
            && r.getAs("segment_key").equals(segmentKey)
            && java.util.Objects.equals(r.getAs("channel"), channel)
            && java.util.Objects.equals(r.getAs("region"), region)
            && (periodStart == null || r.getAs("period_start").toString().equals(periodStart)))
        .reduce((a, b) -> {
          throw new AssertionError("two rows for one segment and period");
        }).orElseThrow();
  }

  @Test
  void everyGroupingLevelAndPeriodHasOneRow() {
    // window: overall 1 + channel 2 + region 2 + channel×region 4 = 9;
    // January: overall, web, app, north, south, web-north, web-south, app-north = 8;
    // February: overall, app, web, south, north, app-south, web-north = 7.
    assertEquals(24, scores.size());
    assertEquals(List.of("channel", "channel,region", "overall", "region"),
        scores.stream().map(r -> r.<String>getAs("segment_key")).distinct().sorted().toList());
  }

  @Test
  void overallWindowFiguresMatchTheFormulas() {
    Row o = find("window", "overall", null, null, null);
    assertEquals(7L, o.<Long>getAs("n_responses"));
    double p = 3 / 7.0;
    double d = 2 / 7.0;
    double nps = 100 * (p - d);
    double se = 100 * Math.sqrt((p + d - (p - d) * (p - d)) / 7);
    assertEquals(100.0 / 7, o.<Double>getAs("nps"), 1e-9);
    assertEquals(nps, o.<Double>getAs("nps"), 1e-9);
    assertEquals(100 * p, o.<Double>getAs("nps_promoter_pct"), 1e-9);
    assertEquals(100 * 2 / 7.0, o.<Double>getAs("nps_passive_pct"), 1e-9);
    assertEquals(se, o.<Double>getAs("nps_se"), 1e-9);
    assertEquals(Z * se, o.<Double>getAs("nps_margin"), 1e-9);
    assertEquals(nps - Z * se, o.<Double>getAs("nps_low"), 1e-9);
    double pa = 3.75 / 10;
    double da = 2.75 / 10;
    double seAdjusted = 100 * Math.sqrt((pa + da - (pa - da) * (pa - da)) / 10);
    assertEquals(100 * (pa - da) + Z * seAdjusted, o.<Double>getAs("nps_adj_high"), 1e-9);

    double c = 0.5; // 3 of 6 CSAT answers are 4-5
    double centre = (c + Z * Z / 12) / (1 + Z * Z / 6);
    double half = Z / (1 + Z * Z / 6) * Math.sqrt(c * (1 - c) / 6 + Z * Z / (4 * 36));
    assertEquals(6L, o.<Long>getAs("csat_n"));
    assertEquals(50.0, o.<Double>getAs("csat"), 1e-9);
    assertEquals(100 * (centre - half), o.<Double>getAs("csat_low"), 1e-9);
    assertEquals(100 * (centre + half), o.<Double>getAs("csat_high"), 1e-9);

    // CES 2, 3, 5, 6, 1, 4: mean 3.5, squared deviations sum to 17.5, sd = sqrt(17.5 / 5)
    double sd = Math.sqrt(3.5);
    assertEquals(3.5, o.<Double>getAs("ces"), 1e-9);
    assertEquals(sd, o.<Double>getAs("ces_sd"), 1e-9);
    assertEquals(3.5 - T_975_5 * sd / Math.sqrt(6), o.<Double>getAs("ces_low"), 1e-9);
    assertEquals(3.5 + T_975_5 * sd / Math.sqrt(6), o.<Double>getAs("ces_high"), 1e-9);
    assertEquals(5.0, o.<Double>getAs("dim_quality"), 1e-9); // 30 / 6
    assertEquals(false, o.<Boolean>getAs("suppressed"));
    assertEquals(Date.valueOf("2025-01-05"), o.getAs("period_start")); // all history: first response
    assertEquals(Date.valueOf("2025-12-31"), o.getAs("period_end"));
  }

  @Test
  void satisfactionIndexAndComplaintSharesOfTheWindow() {
    Row o = find("window", "overall", null, null, null);
    // quality 7, 6, 3, 5, 2, 7 rescaled: 100, 250/3, 100/3, 200/3, 50/3, 100 -> sum 400, mean 400/6
    double[] index = {100, 250 / 3.0, 100 / 3.0, 200 / 3.0, 50 / 3.0, 100};
    double mean = java.util.Arrays.stream(index).average().orElseThrow();
    double squares = java.util.Arrays.stream(index).map(x -> (x - mean) * (x - mean)).sum();
    double sd = Math.sqrt(squares / 5);
    assertEquals(6L, o.<Long>getAs("satisfaction_index_n"));
    assertEquals(400 / 6.0, o.<Double>getAs("satisfaction_index"), 1e-9);
    assertEquals(sd, o.<Double>getAs("satisfaction_index_sd"), 1e-9);
    assertEquals(mean - T_975_5 * sd / Math.sqrt(6), o.<Double>getAs("satisfaction_index_low"), 1e-9);
    // complaints: csat 2 and 1 (delivery) and web on 2025-01-06 (billing): 3 of 7 responses, billing 1 of 7
    assertEquals(7L, o.<Long>getAs("complaint_share_n"));
    assertEquals(300 / 7.0, o.<Double>getAs("complaint_share"), 1e-9);
    assertEquals(100 / 7.0, o.<Double>getAs("complaint_share_billing"), 1e-9);
    double p = 1 / 7.0;
    double centre = (p + Z * Z / 14) / (1 + Z * Z / 7);
    double half = Z / (1 + Z * Z / 7) * Math.sqrt(p * (1 - p) / 7 + Z * Z / (4 * 49));
    assertEquals(100 * (centre - half), o.<Double>getAs("complaint_share_billing_low"), 1e-9);
    assertEquals(100 * (centre + half), o.<Double>getAs("complaint_share_billing_high"), 1e-9);
  }

  @Test
  void figuresBelowMinNAreWithheldButTheirNIsShown() {
    Row south = find("window", "region", null, "south", null); // NPS 6, 3, 7; quality 3, 2
    assertEquals(3L, south.<Long>getAs("nps_n"));
    assertEquals(100 * (0 - 2 / 3.0), south.<Double>getAs("nps"), 1e-9);
    assertEquals(2L, south.<Long>getAs("dim_quality_n"));
    assertNull(south.getAs("dim_quality"));
    assertNull(south.getAs("dim_quality_low"));
    assertTrue(south.<Boolean>getAs("suppressed"));
    // all window rows share the window's bounds: south's own first response is 2025-01-07
    assertEquals(Date.valueOf("2025-01-05"), south.getAs("period_start"));

    Row januaryApp = find("month", "channel", "app", null, "2025-01-01");
    assertEquals(1L, januaryApp.<Long>getAs("n_responses"));
    assertEquals(1L, januaryApp.<Long>getAs("nps_n"));
    assertNull(januaryApp.getAs("nps"));
    assertTrue(januaryApp.<Boolean>getAs("suppressed"));
  }

  @Test
  void quarterRowsCoverTheirCalendarQuarter() {
    StructType schema = new StructType().add("channel", DataTypes.StringType).add("region", DataTypes.StringType)
        .add("survey_date", DataTypes.DateType).add("period_start", DataTypes.DateType)
        .add("nps", DataTypes.IntegerType).add("csat", DataTypes.IntegerType).add("ces", DataTypes.IntegerType)
        .add("dim_quality", DataTypes.IntegerType).add("satisfaction_index", DataTypes.DoubleType)
        .add("complaint_category", DataTypes.StringType);
    Date q1 = Date.valueOf("2025-01-01");
    List<Row> facts = List.of(
        RowFactory.create("web", "north", Date.valueOf("2025-01-05"), q1, 10, 5, 2, 7, 100.0, null),
        RowFactory.create("web", "north", Date.valueOf("2025-03-31"), q1, 0, 1, 7, 1, 0.0, null));
    Settings settings = TestInputs.small(dir, dir, dir, "min-n=1", "period-grain=quarter");
    List<Row> rows = SegmentScores.compute(SharedSpark.spark().createDataFrame(facts, schema), settings,
        LocalDate.of(2025, 12, 31), "run-q", settings.window().resolve(LocalDate.of(2025, 12, 31))).collectAsList();
    Row quarter = rows.stream().filter(r -> r.getAs("period_grain").equals("quarter")
        && r.getAs("segment_key").equals("overall")).findFirst().orElseThrow();
    assertEquals(Date.valueOf("2025-03-31"), quarter.getAs("period_end"));
    assertEquals(2L, quarter.<Long>getAs("n_responses"));
    assertEquals(0.0, quarter.<Double>getAs("nps"), 1e-9); // one promoter, one detractor
  }

  @Test
  void periodRowsCoverTheirCalendarMonth() {
    Row february = find("month", "overall", null, null, "2025-02-01");
    assertEquals(3L, february.<Long>getAs("n_responses"));
    assertEquals(Date.valueOf("2025-02-28"), february.getAs("period_end"));
    // February NPS 3, 10, 7: one promoter, one detractor
    assertEquals(0.0, february.<Double>getAs("nps"), 1e-9);
    Row webNorth = find("window", "channel,region", "web", "north", null);
    assertEquals(Arrays.asList(3L, 2L), Arrays.asList(webNorth.<Long>getAs("nps_n"), webNorth.<Long>getAs("csat_n")));
  }
}
