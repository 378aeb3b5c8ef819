package io.satlake.customers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.config.Settings;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * satisfaction_outcomes and the profile NPS/CSAT on hand-made facts. Expected figures come from
 * the textbook formulas written out below (Wilson, t, Welch, pooled z, two-pass least squares)
 * with commons-math distributions, not from {@code Stats}.
 */
class SatisfactionOutcomesTest {
  static final double Z = new NormalDistribution().inverseCumulativeProbability(0.975);
  static final double TOL = 1e-7;

  @TempDir
  static Path dir;
  static Settings settings;
  static Map<String, Row> rows = new HashMap<>();
  static List<Row> profiles;

  private static final StructType FACTS = new StructType()
      .add("customer_id", DataTypes.StringType)
      .add("response_id", DataTypes.StringType)
      .add("survey_date", DataTypes.DateType)
      .add("nps", DataTypes.IntegerType)
      .add("csat", DataTypes.IntegerType)
      .add("satisfaction_index", DataTypes.DoubleType)
      .add("crm_matched", DataTypes.BooleanType)
      .add("churned", DataTypes.BooleanType)
      .add("annual_spend", DataTypes.DoubleType)
      .add("visit_frequency", DataTypes.DoubleType)
      .add("behaviour_cluster", DataTypes.StringType);

  private static Row response(String customer, String id, String date, Integer nps, Integer csat, Double index,
      boolean matched, Boolean churned, Double spend, Double visits, String cluster) {
    return RowFactory.create(customer, id, Date.valueOf(date), nps, csat, index, matched, churned, spend, visits,
        cluster);
  }

  /**
   * Latest answers: p1 answered twice (older nps 3, latest 10); p2's latest response has no nps,
   * so its nps is 9 from the older one while its csat (1) and index (30) are the latest's.
   * By latest nps: promoters p1-p4, passives q1 q2, detractors d1-d4. By latest csat: 4-5 = p1 p3
   * p4; 3 = q1 q2 d1; 1-2 = p2 d2 d3 d4. u1 is not in the CRM and counts nowhere.
   */
  @BeforeAll
  static void compute() {
    settings = TestInputs.small(dir.resolve("r"), dir.resolve("c"), dir.resolve("wh"), "min-n=2");
    List<Row> facts = List.of(
        response("p1", "r01", "2025-01-01", 3, 2, 20.0, true, false, 1200.0, 10.0, "0"),
        response("p1", "r02", "2025-03-01", 10, 5, 90.0, true, false, 1200.0, 10.0, "0"),
        response("p2", "r03", "2025-02-01", 9, 4, 80.0, true, false, 900.0, 8.0, "0"),
        response("p2", "r04", "2025-04-01", null, 1, 30.0, true, false, 900.0, 8.0, "0"),
        response("p3", "r05", "2025-02-01", 9, 5, 85.0, true, true, 1500.0, 12.0, "0"),
        response("p4", "r06", "2025-02-02", 10, 4, 75.0, true, false, 1000.0, 6.0, "0"),
        response("q1", "r07", "2025-02-03", 8, 3, 60.0, true, false, 700.0, 5.0, "1"),
        response("q2", "r08", "2025-02-04", 7, 3, 55.0, true, true, 500.0, 4.0, "1"),
        response("d1", "r09", "2025-02-05", 6, 3, 40.0, true, true, 400.0, 3.0, "1"),
        response("d2", "r10", "2025-02-06", 2, 2, 10.0, true, true, 300.0, 2.0, "1"),
        response("d3", "r11", "2025-02-07", 5, 1, 25.0, true, false, 600.0, 3.0, "1"),
        response("d4", "r12", "2025-02-08", 0, 2, 15.0, true, true, 0.0, 1.0, "1"),
        response("u1", "r13", "2025-02-09", 10, 5, 95.0, false, null, null, null, null));
    Dataset<Row> frame = SharedSpark.spark().createDataFrame(facts, FACTS);
    CustomerSegments.Clustering clustering = new CustomerSegments.Clustering(List.of("visits"), 2, true, 0.7,
        Map.of(2, 0.7), 10, 10, List.of(
            new CustomerSegments.Cluster("0", 4, new double[] {9}, new double[] {1}, "high visits"),
            new CustomerSegments.Cluster("1", 6, new double[] {3}, new double[] {-1}, "low visits")));
    SatisfactionOutcomes.Tables tables = SatisfactionOutcomes.compute(frame, clustering, settings,
        LocalDate.of(2025, 12, 31), "run-1");
    for (Row r : tables.outcomes().collectAsList()) {
      rows.put(r.getAs("group_value") + "/" + r.getAs("measure"), r);
    }
    profiles = tables.profiles().orderBy("behaviour_cluster").collectAsList();
  }

  static double[] wilson(long x, long n) {
    double p = (double) x / n;
    double centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n);
    double half = Z / (1 + Z * Z / n) * Math.sqrt(p * (1 - p) / n + Z * Z / (4.0 * n * n));
    return new double[] {100 * p, 100 * (centre - half), 100 * (centre + half)};
  }

  static double mean(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s / x.length;
  }

  static double variance(double[] x) {
    double m = mean(x);
    double s = 0;
    for (double v : x) {
      s += (v - m) * (v - m);
    }
    return s / (x.length - 1);
  }

  static void assertFigures(String key, long n, double value, double low, double high) {
    Row r = rows.get(key);
    assertEquals(n, r.<Long>getAs("n"), key + " n");
    assertEquals(value, r.<Double>getAs("value"), TOL, key + " value");
    assertEquals(low, r.<Double>getAs("ci_low"), TOL, key + " ci_low");
    assertEquals(high, r.<Double>getAs("ci_high"), TOL, key + " ci_high");
  }

  /** Collapsing to one row per customer must stay a hash aggregation: a sort aggregation sorts every response. */
  @Test
  void perCustomerRowsNeedNoSortOfTheResponses() {
    Dataset<Row> facts = SharedSpark.spark().createDataFrame(List.of(
        response("p1", "r01", "2025-01-01", 3, 2, 20.0, true, false, 1200.0, 10.0, "0")), FACTS);
    Dataset<Row> perCustomer = SatisfactionOutcomes.perCustomer(facts, settings);
    String plan = perCustomer.queryExecution().executedPlan().toString();
    assertTrue(plan.contains("HashAggregate") && !plan.contains("SortAggregate")
        && !plan.contains("ObjectHashAggregate"), plan);
    assertEquals("0", perCustomer.first().getAs("cluster"));
  }

  @Test
  void churnRatesByNpsGroupAndCsatBandHaveWilsonIntervals() {
    double[] promoters = wilson(1, 4); // p3 of p1-p4
    assertFigures("promoter/churn_rate", 4, promoters[0], promoters[1], promoters[2]);
    double[] passives = wilson(1, 2); // q2
    assertFigures("passive/churn_rate", 2, passives[0], passives[1], passives[2]);
    double[] detractors = wilson(3, 4); // d1, d2, d4
    assertFigures("detractor/churn_rate", 4, detractors[0], detractors[1], detractors[2]);
    double[] top = wilson(1, 3); // p3 of p1 p3 p4
    assertFigures("4-5/churn_rate", 3, top[0], top[1], top[2]);
    double[] bottom = wilson(2, 4); // d2, d4 of p2 d2 d3 d4
    assertFigures("1-2/churn_rate", 4, bottom[0], bottom[1], bottom[2]);
  }

  @Test
  void promoterMinusDetractorChurnHasTheTwoProportionZTest() {
    double p1 = 0.25;
    double p2 = 0.75;
    double pooled = 4 / 8.0;
    double z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / 4.0 + 1 / 4.0));
    double se = Math.sqrt(p1 * (1 - p1) / 4 + p2 * (1 - p2) / 4);
    Row r = rows.get("promoter - detractor/churn_rate");
    assertFigures("promoter - detractor/churn_rate", 4, -50, 100 * (p1 - p2 - Z * se), 100 * (p1 - p2 + Z * se));
    assertEquals(4L, r.<Long>getAs("n_other"));
    assertEquals("two_proportion_z", r.getAs("test"));
    assertEquals(z, r.<Double>getAs("statistic"), TOL);
    assertEquals(2 * (1 - new NormalDistribution().cumulativeProbability(Math.abs(z))), r.<Double>getAs("p_value"), TOL);
  }

  @Test
  void meanSpendHasTIntervalsAndTheDifferenceWelchsTest() {
    double[] promoters = {1200, 900, 1500, 1000};
    double[] detractors = {400, 300, 600, 0};
    double m = mean(promoters);
    double half = new TDistribution(3).inverseCumulativeProbability(0.975) * Math.sqrt(variance(promoters) / 4);
    assertFigures("promoter/mean_spend", 4, m, m - half, m + half);

    double va = variance(promoters) / 4;
    double vb = variance(detractors) / 4;
    double df = (va + vb) * (va + vb) / (va * va / 3 + vb * vb / 3);
    double diff = m - mean(detractors);
    double t = diff / Math.sqrt(va + vb);
    TDistribution welch = new TDistribution(df);
    double margin = welch.inverseCumulativeProbability(0.975) * Math.sqrt(va + vb);
    Row r = rows.get("promoter - detractor/mean_spend");
    assertFigures("promoter - detractor/mean_spend", 4, diff, diff - margin, diff + margin);
    assertEquals("welch_t", r.getAs("test"));
    assertEquals(t, r.<Double>getAs("statistic"), TOL);
    assertEquals(df, r.<Double>getAs("df"), TOL);
    assertEquals(2 * (1 - welch.cumulativeProbability(Math.abs(t))), r.<Double>getAs("p_value"), TOL);

    double[] visits = {5, 4}; // passives q1, q2
    double mv = mean(visits);
    double hv = new TDistribution(1).inverseCumulativeProbability(0.975) * Math.sqrt(variance(visits) / 2);
    assertFigures("passive/mean_visits", 2, mv, mv - hv, mv + hv);
  }

  @Test
  void spendElasticityIsTheLogLinearSlopeAsAPercentage() {
    // customers with spend > 0 (d4 has 0): latest index, ln(spend)
    double[] x = {90, 30, 85, 75, 60, 55, 40, 10, 25};
    double[] spend = {1200, 900, 1500, 1000, 700, 500, 400, 300, 600};
    double[] y = new double[spend.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = Math.log(spend[i]);
    }
    double mx = mean(x);
    double my = mean(y);
    double sxx = 0;
    double sxy = 0;
    for (int i = 0; i < x.length; i++) {
      sxx += (x[i] - mx) * (x[i] - mx);
      sxy += (x[i] - mx) * (y[i] - my);
    }
    double b = sxy / sxx;
    double a = my - b * mx;
    double sse = 0;
    for (int i = 0; i < x.length; i++) {
      sse += (y[i] - a - b * x[i]) * (y[i] - a - b * x[i]);
    }
    double se = Math.sqrt(sse / (x.length - 2) / sxx);
    TDistribution t7 = new TDistribution(7);
    double margin = t7.inverseCumulativeProbability(0.975) * se;
    assertFigures("all/spend_elasticity", 9, 100 * (Math.exp(b) - 1), 100 * (Math.exp(b - margin) - 1),
        100 * (Math.exp(b + margin) - 1));
    Row r = rows.get("all/spend_elasticity");
    assertEquals(b / se, r.<Double>getAs("statistic"), 1e-6);
    assertEquals(2 * (1 - t7.cumulativeProbability(Math.abs(b / se))), r.<Double>getAs("p_value"), TOL);
  }

  private static Map<String, Row> outcomes(List<Row> facts, String minN) {
    Settings lenient = TestInputs.small(dir.resolve("r"), dir.resolve("c"), dir.resolve("wh"), "min-n=" + minN);
    Map<String, Row> byKey = new HashMap<>();
    SatisfactionOutcomes.compute(SharedSpark.spark().createDataFrame(facts, FACTS), null, lenient,
        LocalDate.of(2025, 12, 31), "run-3").outcomes()
        .collectAsList().forEach(r -> byKey.put(r.getAs("group_value") + "/" + r.getAs("measure"), r));
    return byKey;
  }

  /** NULL figures of a computed row say why, as the note column promises. */
  @Test
  void figuresLeftNullByTheDataAreExplained() {
    // every index 70: no slope; promoters and detractors spend 100 each: no spread to test
    Map<String, Row> flatIndex = outcomes(List.of(
        response("a", "r1", "2025-01-01", 10, 5, 70.0, true, false, 100.0, 1.0, null),
        response("b", "r2", "2025-01-01", 9, 4, 70.0, true, false, 100.0, 2.0, null),
        response("c", "r3", "2025-01-01", 3, 2, 70.0, true, true, 100.0, 3.0, null),
        response("d", "r4", "2025-01-01", 1, 1, 70.0, true, true, 100.0, 1.0, null),
        response("e", "r5", "2025-01-01", 8, 3, 70.0, true, false, 400.0, 1.0, null)), "1");
    Row elasticity = flatIndex.get("all/spend_elasticity");
    assertEquals(5L, elasticity.<Long>getAs("n"));
    assertNull(elasticity.getAs("value"));
    assertEquals("the satisfaction index does not vary: no slope", elasticity.getAs("note"));
    Row spendGap = flatIndex.get("promoter - detractor/mean_spend");
    assertEquals(0.0, spendGap.<Double>getAs("value"));
    assertNull(spendGap.getAs("statistic"));
    assertEquals("no spread on either side: nothing to test", spendGap.getAs("note"));
    Row passive = flatIndex.get("passive/mean_spend");
    assertEquals(400.0, passive.<Double>getAs("value"));
    assertNull(passive.getAs("ci_low"));
    assertEquals("one customer: no interval", passive.getAs("note"));
    assertNull(flatIndex.get("promoter/mean_spend").getAs("note"), "two equal values: an interval of width 0");

    // every spend 250 against a varying index: a flat line, 0% [0, 0], with nothing to test
    Row flatSpend = outcomes(List.of(
        response("a", "r1", "2025-01-01", 10, 5, 90.0, true, false, 250.0, 1.0, null),
        response("b", "r2", "2025-01-01", 7, 4, 60.0, true, false, 250.0, 2.0, null),
        response("c", "r3", "2025-01-01", 2, 2, 20.0, true, true, 250.0, 3.0, null)), "1")
        .get("all/spend_elasticity");
    assertEquals(0.0, flatSpend.<Double>getAs("value"));
    assertEquals(0.0, flatSpend.<Double>getAs("ci_low"));
    assertEquals(0.0, flatSpend.<Double>getAs("ci_high"));
    assertNull(flatSpend.getAs("p_value"));
    assertEquals("spend does not vary: nothing to test", flatSpend.getAs("note"));

    // two customers fix a line, ln(spend) from ln 100 to ln 400 over 20 index points, with no residual to test
    Row twoPoints = outcomes(List.of(
        response("a", "r1", "2025-01-01", 10, 5, 80.0, true, false, 400.0, 1.0, null),
        response("b", "r2", "2025-01-01", 2, 2, 60.0, true, true, 100.0, 3.0, null)), "1")
        .get("all/spend_elasticity");
    assertEquals(100 * (Math.exp(Math.log(4) / 20) - 1), twoPoints.<Double>getAs("value"), 1e-9);
    assertNull(twoPoints.getAs("ci_low"));
    assertNull(twoPoints.getAs("p_value"));
    assertEquals("two customers: a slope but no test", twoPoints.getAs("note"));
  }

  @Test
  void smallGroupsAreSuppressedAndMissingInputsExplained() {
    Settings strict = TestInputs.small(dir.resolve("r"), dir.resolve("c"), dir.resolve("wh"), "min-n=3");
    Dataset<Row> facts = SharedSpark.spark().createDataFrame(List.of(
        response("a", "r1", "2025-01-01", 10, 5, 90.0, true, true, 100.0, 1.0, null),
        response("b", "r2", "2025-01-01", 8, 3, 50.0, true, false, 100.0, 1.0, null)), FACTS).drop("churned");
    Map<String, Row> byKey = new HashMap<>();
    SatisfactionOutcomes.compute(facts, null, strict, LocalDate.of(2025, 12, 31), "run-2").outcomes()
        .collectAsList().forEach(r -> byKey.put(r.getAs("group_value") + "/" + r.getAs("measure"), r));
    Row churn = byKey.get("promoter/churn_rate");
    assertNull(churn.getAs("value"));
    assertTrue(churn.<String>getAs("note").contains("no column 'churned'"), churn.<String>getAs("note"));
    Row spend = byKey.get("promoter/mean_spend");
    assertEquals(1L, spend.<Long>getAs("n"));
    assertTrue(spend.<Boolean>getAs("suppressed"));
    assertNull(spend.getAs("value"));
    assertEquals(0L, byKey.get("detractor/mean_spend").<Long>getAs("n"));
    assertEquals(25, byKey.size(), "3 measures x (3 groups + 1 difference) x 2 groupings + elasticity");
  }

  @Test
  void profilesCarryResponseLevelNpsAndCsatOfTheirCustomers() {
    assertEquals(2, profiles.size());
    Row zero = profiles.get(0);
    assertEquals("high visits", zero.getAs("label"));
    assertEquals(4L, zero.<Long>getAs("respondents"));
    assertEquals(40.0, zero.<Double>getAs("customers_pct"), 1e-12);
    // cluster 0's responses: nps 3, 10, 9, 9, 10 -> 4 promoters, 1 detractor of 5
    double p = 0.8;
    double d = 0.2;
    double se = 100 * Math.sqrt((p + d - (p - d) * (p - d)) / 5);
    assertEquals(5L, zero.<Long>getAs("nps_n"));
    assertEquals(60, zero.<Double>getAs("nps"), 1e-9);
    assertEquals(60 - Z * se, zero.<Double>getAs("nps_low"), 1e-9);
    // csat 2, 5, 4, 1, 5, 4 -> 4 of 6 top-two
    double[] csat = wilson(4, 6);
    assertEquals(6L, zero.<Long>getAs("csat_n"));
    assertEquals(csat[0], zero.<Double>getAs("csat"), 1e-9);
    assertEquals(csat[2], zero.<Double>getAs("csat_high"), 1e-9);
    assertEquals(9.0, zero.<Double>getAs("visits"), 0);
  }
}
