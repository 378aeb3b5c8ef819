package io.satlake.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.config.Settings.DateRange;
import io.satlake.testing.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class RunSummaryTest {

  @Test
  void theSummaryReconcilesRanksAndPrintsEachFigureWithItsN() {
    Dataset<Row> scores = SharedSpark.spark().sql("SELECT * FROM VALUES"
        + " ('window', 'overall', NULL, 12.345D, 10.0D, 14.69D, 1234567L, 61.62D, 61.54D, 61.7D, 1234567L,"
        + "  3.0123D, 2.9987D, 3.0259D, 1234567L),"
        + " ('month', 'overall', NULL, 99.0D, 98.0D, 100.0D, 5L, 1.0D, 0.0D, 2.0D, 5L, 1.0D, 1.0D, 1.0D, 5L),"
        + " ('window', 'region', 'north', 20.0D, 18.0D, 22.0D, 1500L, NULL, NULL, NULL, 0L, NULL, NULL, NULL, 0L),"
        + " ('window', 'region', 'south', -5.0D, -7.5D, -2.5D, 1200L, NULL, NULL, NULL, 0L, NULL, NULL, NULL, 0L),"
        + " ('window', 'region', 'west', 5.0D, 3.0D, 7.0D, 1000L, NULL, NULL, NULL, 0L, NULL, NULL, NULL, 0L),"
        + " ('window', 'region', 'east', NULL, NULL, NULL, 12L, NULL, NULL, NULL, 0L, NULL, NULL, NULL, 0L)"
        + " AS t(period_grain, segment_key, region, nps, nps_low, nps_high, nps_n, csat, csat_low, csat_high,"
        + " csat_n, ces, ces_low, ces_high, ces_n)");
    Dataset<Row> correlations = SharedSpark.spark().sql("SELECT * FROM VALUES"
        + " ('overall', 'nps', 'pearson', 'dim_quality', 0.7861D, 0.7856D, 0.7867D, 3920042L),"
        + " ('overall', 'nps', 'spearman', 'dim_quality', 0.9D, 0.8D, 0.95D, 3920042L)"
        + " AS t(segment_key, target, method, driver, r, ci_low, ci_high, n)");
    Dataset<Row> alerts = SharedSpark.spark().sql("SELECT 'warning' AS severity, 'NPS fell' AS message");
    RunResult result = new RunResult("run-1", LocalDate.of(2025, 12, 31), new DateRange(null, LocalDate.of(2025, 12, 31)),
        new RunResult.Counts(1234570, 1234567, Map.of("NO_SCORES", 3L)),
        new RunResult.Counts(40002, 40000, Map.of("MISSING_CUSTOMER_ID", 2L)), 1234567, 1000, scores, correlations,
        alerts, false, Map.of(), List.of());

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RunSummary.print(result, 30, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    List<String> lines = List.of(bytes.toString(StandardCharsets.UTF_8).split("\n"));

    assertTrue(lines.contains("  responses read 1,234,570 = accepted 1,234,567 + rejected 3"), lines.toString());
    assertTrue(lines.contains("    NO_SCORES                3"), lines.toString());
    // the CRM's reasons are listed as the responses' are
    assertTrue(lines.contains("  CRM rows read 40,002 = accepted 40,000 + rejected 2"), lines.toString());
    assertTrue(lines.contains("    MISSING_CUSTOMER_ID      2"), lines.toString());
    // the window's overall row, not the month's; CES, a 1-7 mean, with two decimals
    assertTrue(lines.contains("    NPS    12.3 [10.0, 14.7] n=1,234,567"), lines.toString());
    assertTrue(lines.contains("    CSAT   61.6 [61.5, 61.7] n=1,234,567 (% of 4-5)"), lines.toString());
    assertTrue(lines.contains("    CES    3.01 [3.00, 3.03] n=1,234,567 (1-7, lower = easier)"), lines.toString());
    // east is suppressed, so it is in neither ranking
    int best = lines.indexOf("  best segments by NPS:");
    assertEquals(List.of(segment("region=north", "  20.0 [18.0, 22.0] n=1,500"),
        segment("region=west", "   5.0 [3.0, 7.0] n=1,000"), segment("region=south", "  -5.0 [-7.5, -2.5] n=1,200")),
        lines.subList(best + 1, best + 4));
    int worst = lines.indexOf("  worst segments by NPS:");
    assertEquals(segment("region=south", "  -5.0 [-7.5, -2.5] n=1,200"), lines.get(worst + 1));
    int drivers = lines.indexOf("  strongest drivers of NPS (Pearson r, overall):");
    assertEquals(String.format("    %-28s r = +0.786 [+0.786, +0.787] n=3,920,042", "dim_quality"), lines.get(drivers + 1));
    assertTrue(lines.contains("    [warning] NPS fell"), lines.toString());
  }

  @Test
  void aRunWithNothingInItsWindowSaysSoUnderEachHeading() {
    Dataset<Row> scores = SharedSpark.spark().sql("SELECT * FROM VALUES ('window', 'region', 'east', 1.0D, 12L)"
        + " AS t(period_grain, segment_key, region, nps, nps_n) WHERE false");
    Dataset<Row> correlations = SharedSpark.spark().sql("SELECT * FROM VALUES ('overall', 'nps', 'pearson', 'x', 0.5D,"
        + " 0.4D, 0.6D, 40L) AS t(segment_key, target, method, driver, r, ci_low, ci_high, n) WHERE false");
    Dataset<Row> alerts = SharedSpark.spark().sql("SELECT 'warning' AS severity, 'x' AS message WHERE false");
    RunResult result = new RunResult("run-1", LocalDate.of(2025, 12, 31), new DateRange(null, LocalDate.of(2025, 12, 31)),
        new RunResult.Counts(2, 0, Map.of("NO_SCORES", 2L)), new RunResult.Counts(5, 5, Map.of()), 0, 0, scores,
        correlations, alerts, false, Map.of(), List.of("no accepted responses in the window"));

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RunSummary.print(result, 30, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    List<String> lines = List.of(bytes.toString(StandardCharsets.UTF_8).split("\n"));

    assertTrue(lines.contains("  overall: no accepted responses in the window"), lines.toString());
    String none = " none (no figure with n at or above the minimum)";
    assertTrue(lines.contains("  best segments by NPS:" + none), lines.toString());
    assertTrue(lines.contains("  worst segments by NPS:" + none), lines.toString());
    assertTrue(lines.contains("  strongest drivers of NPS (Pearson r, overall):" + none), lines.toString());
    int warnings = lines.indexOf("  warnings (also in run_log.warnings):");
    assertEquals("    no accepted responses in the window", lines.get(warnings + 1));
    assertTrue(lines.contains("  alerts: 0"), lines.toString());
  }

  /** A ranked segment's line: its label in a 40-wide column, then the figure. */
  private static String segment(String label, String figure) {
    return String.format("    %-40s %s", label, figure);
  }
}
