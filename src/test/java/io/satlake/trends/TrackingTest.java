package io.satlake.trends;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.config.Settings;
import io.satlake.metrics.Metric;
import io.satlake.metrics.ScoreStates;
import io.satlake.metrics.SegmentScores;
import io.satlake.metrics.Stats;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three months of responses built so that every figure is worked out by hand (min-n = 12):
 * <pre>
 * Dec 2024  40 web/north: quality 3, 1, 3, 1, ... (mean 2); no NPS or CSAT
 * Jan 2025  40 web/north: NPS 9 x20, 7 x10, 5 x10 (P 20, D 10: NPS 25); CSAT 5 x30, 2 x10 (75%);
 *           quality 6, 4, 6, 4, ... (mean 5, s² = 40/39)
 * Feb 2025  40 rows i = 0..39: web for i < 25, app after; north for i < 30, south after
 *           (cells web/north 25, app/north 5, app/south 10);
 *           NPS: web 10 x10, 8 x5, 3 x10; app 7 x5, 2 x10 (overall P 10, D 20: NPS -25);
 *           CSAT: web 4 x15, 2 x10; app 5 x5, 1 x10 (overall 20 of 40: 50%);
 *           quality 5, 3, 5, 3, ... (mean 4, s² = 40/39)
 * </pre>
 */
class TrackingTest {
  static final LocalDate RUN_DATE = LocalDate.of(2025, 2, 28);
  static final double Z = 1.959963984540054;

  @TempDir
  static Path dir;
  static Settings settings;
  static Tracker tracker;
  static List<ScoreTrends.Trend> trends;
  static List<Row> trendRows;
  static List<TargetTracking.Status> targets;
  static List<Alerts.Alert> alerts;

  static final StructType FACTS = new StructType().add("channel", DataTypes.StringType)
      .add("region", DataTypes.StringType).add("survey_date", DataTypes.DateType)
      .add("period_start", DataTypes.DateType).add("nps", DataTypes.IntegerType).add("csat", DataTypes.IntegerType)
      .add("ces", DataTypes.IntegerType).add("dim_quality", DataTypes.IntegerType)
      .add("satisfaction_index", DataTypes.DoubleType).add("complaint_category", DataTypes.StringType);

  @BeforeAll
  static void track() {
    List<Row> facts = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      facts.add(row("web", "north", "2024-12-10", null, null, i % 2 == 0 ? 3 : 1));
      facts.add(row("web", "north", "2025-01-10", i < 20 ? 9 : i < 30 ? 7 : 5, i < 30 ? 5 : 2, i % 2 == 0 ? 6 : 4));
      boolean web = i < 25;
      int nps = web ? (i < 10 ? 10 : i < 15 ? 8 : 3) : (i < 30 ? 7 : 2);
      int csat = web ? (i < 15 ? 4 : 2) : (i < 30 ? 5 : 1);
      facts.add(row(web ? "web" : "app", i < 30 ? "north" : "south", "2025-02-10", nps, csat, i % 2 == 0 ? 5 : 3));
    }
    settings = TestInputs.small(dir, dir, dir, "min-n=12", "trends.fdr-rate=0.10", "targets.trend-periods=3",
        "targets.items=["
            + "{metric=nps, base=-30, stretch=-20},"                        // -25: base met only
            + "{metric=nps, base=-30, stretch=-26},"                        // -25: stretch met
            + "{metric=dim_quality, base=5.5, due=\"2025-04-30\"},"         // projected 4 + 2 x 1 = 6: on track
            + "{metric=dim_quality, base=5.5, due=\"2025-03-31\"},"         // projected 4 + 1 = 5: off track
            + "{metric=dim_quality, base=4.5, due=\"2025-01-31\"},"         // due date passed: off track
            + "{metric=csat, base=60, due=\"2025-12-31\", segment=\"channel=app,region=*\"}]", // n 5 and 10 < 12
        "alerts.rules=[{metric=nps, below=0, severity=critical},"            // overall -25 fires
            + "{metric=nps, below=100, segment=\"channel=*,region=*\"}]");  // only web/north has n >= 12
    tracker = tracker(facts, settings);
    trends = ScoreTrends.compute(tracker);
    trendRows = ScoreTrends.table(trends, settings, RUN_DATE, "run-t").collectAsList();
    targets = TargetTracking.compute(tracker, settings.tracking().targets());
    alerts = Alerts.compute(tracker, trends, targets);
  }

  private static Tracker tracker(List<Row> facts, Settings settings) {
    ScoreStates states = SegmentScores.states(SharedSpark.spark().createDataFrame(facts, FACTS), settings);
    return new Tracker(states, settings, RUN_DATE, settings.window().resolve(RUN_DATE));
  }

  private static Row row(String channel, String region, String date, Integer nps, Integer csat, int quality) {
    Date d = Date.valueOf(date);
    return RowFactory.create(channel, region, d, Date.valueOf(d.toLocalDate().withDayOfMonth(1)), nps, csat, null,
        quality, (quality - 1) / 6.0 * 100, null);
  }

  private static Row trend(String segmentKey, String channel, String region, String metric, String comparison) {
    return trendRows.stream().filter(r -> r.getAs("segment_key").equals(segmentKey)
            && Objects.equals(r.getAs("channel"), channel) && Objects.equals(r.getAs("region"), region)
            && r.getAs("metric").equals(metric) && r.getAs("comparison").equals(comparison)
            && r.getAs("period_grain").equals("month") && r.getAs("period_start").equals(Date.valueOf("2025-02-01")))
        .reduce((a, b) -> {
          throw new AssertionError("two rows");
        }).orElseThrow();
  }

  private static double normalP(double z) {
    return 2 * (1 - new NormalDistribution().cumulativeProbability(Math.abs(z)));
  }

  @Test
  void npsChangeFromJanuaryIsTheNpsDifferenceZ() {
    Row r = trend("overall", null, null, "nps", "previous_period");
    // NPS 25 -> -25; both months: p + d = 0.75, (p - d)² = 0.0625, se² = 100² x 0.6875 / 40 = 171.875
    // z = -50 / sqrt(343.75) = -2.69679944...
    double z = -50 / Math.sqrt(343.75);
    assertEquals(-2.6967994, z, 1e-7);
    assertEquals(-25.0, r.<Double>getAs("value"), 1e-9);
    assertEquals(25.0, r.<Double>getAs("reference_value"), 1e-9);
    assertEquals(-50.0, r.<Double>getAs("delta"), 1e-9);
    assertEquals("nps_z", r.getAs("test"));
    assertEquals(z, r.<Double>getAs("statistic"), 1e-9);
    assertEquals(normalP(z), r.<Double>getAs("p_value"), 1e-9);
    assertEquals("worse", r.getAs("direction"));
    assertEquals(Date.valueOf("2025-01-01"), r.getAs("reference_start"));
    assertEquals(Date.valueOf("2025-01-31"), r.getAs("reference_end"));
  }

  @Test
  void csatChangeIsThePooledTwoProportionZ() {
    Row r = trend("overall", null, null, "csat", "previous_period");
    // 20/40 against 30/40: pooled 50/80 = 0.625; se = sqrt(0.625 x 0.375 x (1/40 + 1/40)) = sqrt(0.01171875)
    // z = (0.5 - 0.75) / 0.10825317... = -4 / sqrt(3) = -2.30940107...
    double z = -4 / Math.sqrt(3);
    assertEquals("two_proportion_z", r.getAs("test"));
    assertEquals(z, r.<Double>getAs("statistic"), 1e-9);
    assertEquals(normalP(z), r.<Double>getAs("p_value"), 1e-9);
    assertEquals(-25.0, r.<Double>getAs("delta"), 1e-9);
  }

  @Test
  void ratingChangeIsWelchTWithSatterthwaiteDf() {
    Row r = trend("overall", null, null, "dim_quality", "previous_period");
    // means 4 and 5, both s² = 40/39 and n = 40: t = -1 / sqrt(2 x (40/39) / 40) = -sqrt(19.5);
    // df = (2v)² / (2 v² / 39) = 78 for equal v = s²/n
    double t = -Math.sqrt(19.5);
    assertEquals("welch_t", r.getAs("test"));
    assertEquals(t, r.<Double>getAs("statistic"), 1e-9);
    assertEquals(78.0, r.<Double>getAs("df"), 1e-9);
    assertEquals(2 * new TDistribution(78).cumulativeProbability(t), r.<Double>getAs("p_value"), 1e-12);
  }

  @Test
  void aSegmentIsComparedWithItsComplementNotWithTheTotal() {
    Row r = trend("channel", "web", null, "nps", "vs_rest");
    // web: P 10, D 10 of 25 -> NPS 0, se² = 100² x 0.8 / 25 = 320
    // rest = app only: P 0, D 10 of 15 -> NPS -200/3, se² = 100² x (2/3 - 4/9) / 15 = 10000 x 2/135
    double seRest2 = 10000 * 2 / 135.0;
    double z = (0 + 200 / 3.0) / Math.sqrt(320 + seRest2);
    assertEquals(15L, r.<Long>getAs("reference_n"));
    assertEquals(-200 / 3.0, r.<Double>getAs("reference_value"), 1e-9);
    assertEquals(z, r.<Double>getAs("statistic"), 1e-9);
    assertNull(r.getAs("reference_start")); // the same span
    // the overall row has no complement
    assertTrue(trendRows.stream().noneMatch(x -> x.getAs("segment_key").equals("overall")
        && x.getAs("comparison").equals("vs_rest")));
  }

  @Test
  void comparisonsWithoutSpreadOnEitherSideAreNotTestedAndRaiseNoDeclineAlert() {
    // January: 30 responses with NPS 10, CSAT 5, quality 6 (index 250/3); February: 30 with NPS 0,
    // CSAT 4, quality 3 (index 100/3). NPS and the ratings fell, but neither month has any spread:
    // z would be -200/0 for NPS, and the index's double sums leave a residue a Welch t would divide by.
    List<Row> facts = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      facts.add(row("web", "north", "2025-01-10", 10, 5, 6));
      facts.add(row("web", "north", "2025-02-10", 0, 4, 3));
    }
    Settings constant = TestInputs.small(dir, dir, dir, "min-n=12");
    Tracker t = tracker(facts, constant);
    List<ScoreTrends.Trend> changes = ScoreTrends.compute(t);
    for (String metric : List.of("nps", "dim_quality", Settings.SATISFACTION_INDEX)) {
      ScoreTrends.Trend change = changes.stream().filter(x -> x.current().segment().equals(Arrays.asList(null, null))
          && x.current().metric().name().equals(metric) && x.comparison().equals("previous_period")
          && x.current().grain().equals("month") && x.current().start().equals(LocalDate.of(2025, 2, 1)))
          .findFirst().orElseThrow();
      assertEquals("worse", change.direction(), metric);
      assertNull(change.test(), metric);
      assertEquals("no_variance", change.notTested(), metric);
    }
    assertTrue(Alerts.compute(t, changes, List.of()).stream().noneMatch(a -> a.type().equals("decline")));
  }

  @Test
  void aMeanOfOneResponseIsTooSmallToTestNotWithoutVariance() {
    // min-n 1 shows January's single response; its spread is unknown, so Welch's t cannot be
    // formed, though February's ratings vary (4, 5, 6)
    List<Row> facts = List.of(row("web", "north", "2025-01-10", 9, 5, 6), row("web", "north", "2025-02-10", 9, 5, 4),
        row("web", "north", "2025-02-11", 9, 5, 5), row("web", "north", "2025-02-12", 9, 5, 6));
    List<ScoreTrends.Trend> changes = ScoreTrends.compute(tracker(facts, TestInputs.small(dir, dir, dir, "min-n=1")));
    ScoreTrends.Trend change = changes.stream().filter(x -> x.current().segment().equals(Arrays.asList(null, null))
        && x.current().metric().name().equals("dim_quality") && x.comparison().equals("previous_period")
        && x.current().grain().equals("month") && x.current().start().equals(LocalDate.of(2025, 2, 1)))
        .findFirst().orElseThrow();
    assertEquals(1L, change.reference().n());
    assertNull(change.test());
    assertEquals("small_n", change.notTested());
  }

  @Test
  void smallCellsAreShownButNeverTested() {
    Row r = trend("channel,region", "app", "north", "nps", "vs_rest");
    assertEquals(5L, r.<Long>getAs("n"));
    assertNull(r.getAs("value"));
    assertNull(r.getAs("p_value"));
    assertNull(r.getAs("significant"));
    assertEquals("small_n", r.getAs("not_tested"));
  }

  @Test
  void significanceIsBenjaminiHochbergAcrossEveryTestOfTheRun() {
    // from the definition: sort the m p-values, k = the largest i with p(i) <= i x 0.10 / m,
    // and the significant tests are those with p <= p(k)
    double[] p = trendRows.stream().filter(r -> r.getAs("p_value") != null)
        .mapToDouble(r -> r.<Double>getAs("p_value")).sorted().toArray();
    int m = p.length;
    assertTrue(m > 30, "one family of " + m);
    double cutoff = -1;
    for (int i = 1; i <= m; i++) {
      if (p[i - 1] <= i * 0.10 / m) {
        cutoff = p[i - 1];
      }
    }
    for (Row r : trendRows) {
      if (r.getAs("p_value") == null) {
        assertNull(r.getAs("significant"));
      } else {
        assertEquals(r.<Double>getAs("p_value") <= cutoff, r.<Boolean>getAs("significant"), r.toString());
      }
    }
    assertTrue(trend("overall", null, null, "dim_quality", "previous_period").<Boolean>getAs("significant"));
  }

  private static TargetTracking.Status target(int index) {
    String origin = "satlake.targets.items[" + index + "]";
    return targets.stream().filter(s -> s.target().origin().equals(origin)).findFirst().orElseThrow();
  }

  @Test
  void targetStatusFollowsTheDefinition() {
    assertEquals("base_met", target(0).status());
    assertEquals(5.0, target(0).gap(), 1e-9); // -25 - (-30)
    assertEquals("stretch_met", target(1).status());
    // quality 2, 5, 4 over Dec..Feb: slope = sum((x - 1)(y - 11/3)) / sum((x - 1)²) = 2 / 2 = 1
    assertEquals(1.0, target(2).slope(), 1e-9);
    assertEquals(6.0, target(2).projected(), 1e-9); // two periods (Mar, Apr) to the due date
    assertEquals("on_track", target(2).status());
    assertEquals(5.0, target(3).projected(), 1e-9);
    assertEquals("off_track", target(3).status());
    assertEquals("off_track", target(4).status()); // 4 < 4.5 and due before the run date
    List<TargetTracking.Status> small = targets.stream()
        .filter(s -> s.target().origin().equals("satlake.targets.items[5]")).toList();
    assertEquals(2, small.size()); // app/north (n 5) and app/south (n 10)
    small.forEach(s -> assertEquals("insufficient_data", s.status()));
  }

  @Test
  void aProjectionStaysWithinTheMetricsScale() {
    // quality 4, rising by 1 a period: ten periods (Mar..Dec) to a December due date make 14 on a 1-7 scale
    Settings.Tracking.Target far = new Settings.Tracking.Target("dim_quality", "", 6.5, null,
        LocalDate.of(2025, 12, 31), null, "test");
    TargetTracking.Status status = TargetTracking.status(tracker, far, Settings.Tracking.Direction.AT_LEAST,
        target(2).current());
    assertEquals(1.0, status.slope(), 1e-9);
    assertEquals(7.0, status.projected(), 1e-9);
    assertEquals("on_track", status.status());

    Map<String, Metric> metrics = new HashMap<>();
    Metric.all(settings).forEach(m -> metrics.put(m.name(), m));
    assertEquals(-100.0, metrics.get("nps").withinScale(-180));
    assertEquals(100.0, metrics.get("csat").withinScale(112.5));
    assertEquals(0.0, metrics.get("csat").withinScale(-3));
    assertEquals(1.0, metrics.get("ces").withinScale(0.4));
    assertEquals(100.0, metrics.get(Settings.SATISFACTION_INDEX).withinScale(130));
    assertEquals(0.0, metrics.get(Metric.COMPLAINT_SHARE).withinScale(-8));
    assertEquals(42.5, metrics.get("nps").withinScale(42.5)); // within: unchanged
  }

  @Test
  void theTargetGapIsSignificantWhenTheIntervalExcludesTheTarget() {
    Row row = TargetTracking.table(List.of(target(2)), settings, RUN_DATE, "run-t").first();
    // Feb quality: mean 4, sd sqrt(40/39), t table 0.975 at 39 df = 2.02269092: about 3.68 .. 4.32
    double half = 2.02269092 * Math.sqrt(40 / 39.0) / Math.sqrt(40);
    assertEquals(4 - half, row.<Double>getAs("low"), 1e-8);
    assertEquals(-1.5, row.<Double>getAs("gap"), 1e-9);
    assertTrue(row.<Boolean>getAs("gap_significant")); // 5.5 is outside
  }

  @Test
  void alertsFireFromRulesTargetsAndDeclinesButNeverFromSmallSegments() {
    List<Alerts.Alert> rules = alerts.stream().filter(a -> a.type().equals("rule")).toList();
    assertEquals(2, rules.size(), rules.toString());
    Alerts.Alert critical = rules.stream().filter(a -> a.severity() == Settings.Tracking.Severity.CRITICAL)
        .findFirst().orElseThrow();
    assertEquals(Arrays.asList(null, null), critical.figure().segment());
    assertEquals(-25.0, critical.figure().value(), 1e-9);
    assertEquals("NPS of overall is -25.0 in 2025-02 (95% interval " + String.format(java.util.Locale.ROOT,
        "%.1f to %.1f", -25 - Z * Math.sqrt(171.875), -25 + Z * Math.sqrt(171.875))
        + ", n=40), below the threshold of 0.0.", critical.message());
    // the cell rule fires for web/north only: app/north (5) and app/south (10) are below min-n 12
    Alerts.Alert cell = rules.stream().filter(a -> a.severity() != Settings.Tracking.Severity.CRITICAL)
        .findFirst().orElseThrow();
    assertEquals(Arrays.asList("web", "north"), cell.figure().segment());
    assertTrue(Alerts.anyCritical(alerts));
    assertEquals(2, alerts.stream().filter(a -> a.type().equals("target")).count()); // items 3 and 4
    Alerts.Alert decline = alerts.stream().filter(a -> a.type().equals("decline")
        && a.figure().metric().name().equals("dim_quality") && a.reference().equals("previous_period")
        && a.figure().segment().equals(Arrays.asList(null, null))).findFirst().orElseThrow();
    assertTrue(decline.message().startsWith("Quality rating of overall fell from 5.00 to 4.00 (-1.00 points, n=40) in"
        + " 2025-02 versus the previous month"), decline.message());
    assertTrue(alerts.stream().allMatch(a -> a.figure().n() >= 12));
    // one decline alert per segment and metric, though quality also fell against nothing else here
    assertEquals(alerts.stream().filter(a -> a.type().equals("decline")).count(), alerts.stream()
        .filter(a -> a.type().equals("decline")).map(a -> List.of(a.figure().segment(), a.figure().metric().name()))
        .distinct().count());
    assertFalse(alerts.stream().anyMatch(a -> a.type().equals("decline") && !a.reference().equals("previous_period")
        && !a.reference().equals("year_ago")));
  }

  @Test
  void eachComparisonIsItsOwnFamilyUnlessTheRunIsOne() {
    // four real differences from the rest and two changes between periods, one of them p = 0.06
    List<ScoreTrends.Trend> trends = new ArrayList<>();
    for (double p : new double[] {1e-4, 2e-4, 3e-4, 4e-4}) {
      trends.add(tested(ScoreTrends.VS_REST, p));
    }
    trends.add(tested(ScoreTrends.PREVIOUS_PERIOD, 0.06));
    trends.add(tested(ScoreTrends.PREVIOUS_PERIOD, 0.5));
    trends.add(new ScoreTrends.Trend(null, ScoreTrends.PREVIOUS_PERIOD, null, null, null, null, "small_n", Double.NaN));

    List<ScoreTrends.Trend> byComparison =
        ScoreTrends.controlFalseDiscoveries(trends, Settings.Tracking.FdrFamily.COMPARISON);
    // previous_period, m = 2: q = min over j >= i of m p(j) / j
    assertEquals(Math.min(2 * 0.06 / 1, 2 * 0.5 / 2), byComparison.get(4).qValue(), 1e-15);
    assertEquals(2 * 0.5 / 2, byComparison.get(5).qValue(), 1e-15);
    assertFalse(byComparison.get(4).significant(0.10));
    // vs_rest, m = 4: every m p(i) / i is 4e-4
    for (int i = 0; i < 4; i++) {
      assertEquals(4e-4, byComparison.get(i).qValue(), 1e-15);
    }
    assertTrue(Double.isNaN(byComparison.get(6).qValue())); // untested: no q

    // one family of m = 6: the four tiny p-values take ranks 1-4, so p = 0.06 is held to 5/6 of 0.10
    List<ScoreTrends.Trend> oneFamily = ScoreTrends.controlFalseDiscoveries(trends, Settings.Tracking.FdrFamily.RUN);
    assertEquals(Math.min(6 * 0.06 / 5, 6 * 0.5 / 6), oneFamily.get(4).qValue(), 1e-15);
    assertTrue(oneFamily.get(4).significant(0.10));
    assertEquals(6 * 4e-4 / 4, oneFamily.get(0).qValue(), 1e-15);
  }

  private static ScoreTrends.Trend tested(String comparison, double p) {
    return new ScoreTrends.Trend(null, comparison, null, null, null, new Stats.DifferenceTest("z", 0, Double.NaN, p),
        null, Double.NaN);
  }

  @Test
  void aChangeIsWrittenWithTheDecimalsOfItsFigure() {
    Map<String, Metric> metrics = new HashMap<>();
    Metric.all(settings).forEach(m -> metrics.put(m.name(), m));
    // a 1-7 rating that fell from 4.40 to 4.37 is shown with its two decimals, as its levels are
    assertEquals("-0.03 points", Alerts.change(metrics.get("dim_quality"), 4.37 - 4.40));
    assertEquals("+1.2 points", Alerts.change(metrics.get("nps"), 1.24));
    assertEquals("-2.5 percentage points", Alerts.change(metrics.get("csat"), -2.5));
    assertEquals("-0.7 points", Alerts.change(metrics.get(Settings.SATISFACTION_INDEX), -0.66));
  }

  @Test
  void aTrailingCurrentFigureStaysWithinThePeriodsAnalysed() {
    // February's 40 quality ratings are below min-n 45; the data begin in December, so 3
    // trailing months (120 ratings) stand in for it, but 4 would name a November with no data.
    Metric quality = Metric.all(settings).stream().filter(m -> m.name().equals("dim_quality")).findFirst().orElseThrow();
    List<String> overall = Arrays.asList(null, null);
    Settings three = TestInputs.small(dir, dir, dir, "min-n=45", "trends.rolling-periods=3");
    Figure trailing = new Tracker(tracker.states, three, RUN_DATE, three.window().resolve(RUN_DATE))
        .current(overall, quality);
    assertEquals(LocalDate.of(2024, 12, 1), trailing.start());
    assertEquals(Integer.valueOf(3), trailing.rollingPeriods());
    assertEquals(120L, trailing.n());
    Settings four = TestInputs.small(dir, dir, dir, "min-n=45", "trends.rolling-periods=4");
    Figure period = new Tracker(tracker.states, four, RUN_DATE, four.window().resolve(RUN_DATE))
        .current(overall, quality);
    assertEquals(LocalDate.of(2025, 2, 1), period.start());
    assertEquals(40L, period.n());
    assertNull(period.estimate(), "suppressed: below min-n");
  }

  @Test
  void rollingSpansAreSumsOfPeriodStates() {
    Settings rolling = TestInputs.small(dir, dir, dir, "min-n=12", "trends.rolling-periods=2");
    Tracker t = new Tracker(tracker.states, rolling, RUN_DATE, rolling.window().resolve(RUN_DATE));
    ScoreTrends.Trend r = ScoreTrends.compute(t).stream().filter(x -> Integer.valueOf(2).equals(x.current().rollingPeriods())
        && x.current().segment().equals(Arrays.asList(null, null)) && x.current().metric().name().equals("dim_quality")
        && x.comparison().equals("previous_period") && x.current().end().equals(LocalDate.of(2025, 2, 28)))
        .findFirst().orElseThrow();
    // Jan + Feb quality: 6, 4, 5, 3 twenty times each: n 80, mean 4.5, squared deviations 20 x 5 = 100, s² = 100/79.
    // The two months before, Nov + Dec: only December: 3, 1 twenty times each, n 40, mean 2, s² = 40/39.
    double v1 = 100 / 79.0 / 80;
    double v2 = 40 / 39.0 / 40;
    assertEquals(LocalDate.of(2025, 1, 1), r.current().start());
    assertEquals(LocalDate.of(2024, 11, 1), r.referenceStart());
    assertEquals(80, r.current().n());
    assertEquals(4.5, r.current().value(), 1e-9);
    assertEquals(2.5 / Math.sqrt(v1 + v2), r.test().statistic(), 1e-9);
    assertEquals((v1 + v2) * (v1 + v2) / (v1 * v1 / 79 + v2 * v2 / 39), r.test().df(), 1e-9);
  }
}
