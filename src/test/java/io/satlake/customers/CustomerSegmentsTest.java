package io.satlake.customers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.SatisfactionPipeline;
import io.satlake.SatlakeException;
import io.satlake.config.Settings;
import io.satlake.quality.ResponseValidator;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.sql.Date;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Optional CRM attributes, rule tiers on hand-made customers, and planted behavioural clusters. */
class CustomerSegmentsTest {
  @TempDir
  static Path dir;

  private static Settings settings(String... overrides) {
    return TestInputs.small(dir.resolve("r"), dir.resolve("c"), dir.resolve("wh"), overrides);
  }

  // --- CRM attributes ---------------------------------------------------------------------

  private static final String HEADER =
      "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment";

  @Test
  void churnedAndSignupDateAreTypedAndBadValuesRejectTheCrmRow() {
    Path responses = TestInputs.csv(dir, "attr-responses", HEADER, "r1,c1,2025-01-15,web,10,,,7,,",
        "r2,c2,2025-01-16,web,3,,,2,,");
    Path crm = TestInputs.csv(dir, "attr-crm", "customer_id,region,visits,is_gone,joined",
        "c1,north,4,true,2020-01-15",
        "c2,south,2,NO,",
        "c3,east,1,maybe,2020-01-01",
        "c4,west,3,0,2021-02-30",
        "c5,west,3,,2019-12-31");
    // reason details name the canonical field (churned), as for responses
    Settings s = TestInputs.small(responses, crm, dir.resolve("wh"), "customers.churned-column=is_gone",
        "customers.signup-date-column=joined");
    SatisfactionPipeline.Analysis analysis = TestInputs.analyse(s);
    List<Row> rejected = ResponseValidator.split(analysis.crm()).rejected()
        .select("record_key", "reason", "detail").orderBy("record_key").collectAsList();
    assertEquals(List.of(RowFactory.create("c3", "MALFORMED_RECORD", "churned=maybe"),
        RowFactory.create("c4", "INVALID_DATE", "signup_date=2021-02-30")), rejected);
    List<Row> accepted = ResponseValidator.split(analysis.crm()).accepted()
        .select("customer_id", "churned", "signup_date").orderBy("customer_id").collectAsList();
    assertEquals(List.of(RowFactory.create("c1", true, Date.valueOf("2020-01-15")),
        RowFactory.create("c2", false, null), RowFactory.create("c5", null, Date.valueOf("2019-12-31"))), accepted);
    // carried into the facts
    assertEquals(List.of(RowFactory.create("r1", true), RowFactory.create("r2", false)),
        analysis.facts().select("response_id", "churned").orderBy("response_id").collectAsList());
  }

  @Test
  void absentOptionalColumnsAreNotAnError() {
    Path responses = TestInputs.csv(dir, "plain-responses", HEADER, "r1,c1,2025-01-15,web,10,,,7,,");
    Path crm = TestInputs.csv(dir, "plain-crm", "customer_id,region,visits", "c1,north,4");
    SatisfactionPipeline.Analysis analysis = TestInputs.analyse(TestInputs.small(responses, crm, dir.resolve("wh")));
    assertEquals(1, analysis.facts().count());
    List<String> columns = List.of(analysis.facts().columns());
    assertTrue(!columns.contains("churned") && !columns.contains("signup_date"), columns.toString());
  }

  // --- rule tiers ---------------------------------------------------------------------------

  private static final StructType TIER_CRM = new StructType()
      .add("customer_id", DataTypes.StringType)
      .add("customer_tier", DataTypes.StringType)
      .add("annual_spend", DataTypes.DoubleType)
      .add("visit_frequency", DataTypes.DoubleType)
      .add("feature_usage_rate", DataTypes.DoubleType)
      .add("churned", DataTypes.BooleanType);

  /**
   * By hand, with a quantile being the value at rank ceil(q·n) of the non-NULL values (what
   * approx_percentile returns exactly on small data):
   * spend (10 values) q0.8 = 8th = 800, high_value = spend > 800: c09, c10.
   * visits (11) q0.25 = 3rd of 0.5, 1, 1.5, 2, ... = 1.5; usage (11) q0.25 = 3rd of 0.01, 0.05,
   * 0.10, ... = 0.10. Low on both: c01 (1, 0.10), c11 (0.5, 0.01), c09 (1.5, 0.15: usage not low).
   * at_risk: c01, c11 (low use), c03 (churned); c10 is churned but high_value comes first.
   * c06's churned is NULL, c04 has low usage only: regular. c05 carries a CRM tier 'gold'.
   */
  private static Dataset<Row> tierCustomers() {
    List<Row> rows = List.of(
        RowFactory.create("c01", null, 100.0, 1.0, 0.10, false),
        RowFactory.create("c02", null, 200.0, 2.0, 0.20, false),
        RowFactory.create("c03", null, 300.0, 3.0, 0.30, true),
        RowFactory.create("c04", null, 400.0, 4.0, 0.05, false),
        RowFactory.create("c05", "gold", 500.0, 5.0, 0.50, false),
        RowFactory.create("c06", null, 600.0, 6.0, 0.60, null),
        RowFactory.create("c07", null, 700.0, 7.0, 0.70, false),
        RowFactory.create("c08", null, 800.0, 8.0, 0.80, false),
        RowFactory.create("c09", null, 900.0, 1.5, 0.15, false),
        RowFactory.create("c10", null, 1000.0, 10.0, 1.00, true),
        RowFactory.create("c11", null, null, 0.5, 0.01, false));
    return SharedSpark.spark().createDataFrame(rows, TIER_CRM);
  }

  private static Map<String, String> tiers(Dataset<Row> customers) {
    Map<String, String> tiers = new HashMap<>();
    customers.select("customer_id", "customer_tier").collectAsList().forEach(r -> tiers.put(r.getString(0), r.getString(1)));
    return tiers;
  }

  @Test
  void ruleTiersFollowTheQuantilesAndTheCrmValueWinsInModeAuto() {
    Settings s = settings("segments.dimensions=[customer_tier]", "segments.combinations=[]",
        "segments.correlation-levels=[]", "behaviour-drivers=[annual_spend]", "customers.clusters.enabled=false");
    Map<String, String> expected = new HashMap<>(Map.of("c01", "at_risk", "c02", "regular", "c03", "at_risk",
        "c04", "regular", "c05", "gold", "c06", "regular", "c07", "regular", "c08", "regular",
        "c09", "high_value", "c10", "high_value"));
    expected.put("c11", "at_risk");
    assertEquals(expected, tiers(CustomerSegments.assign(tierCustomers(), s).customers()));

    Settings rules = settings("segments.dimensions=[customer_tier]", "segments.combinations=[]",
        "segments.correlation-levels=[]", "behaviour-drivers=[annual_spend]", "customers.clusters.enabled=false",
        "customers.tiers.mode=rules");
    expected.put("c05", "regular");
    assertEquals(expected, tiers(CustomerSegments.assign(tierCustomers(), rules).customers()));
  }

  @Test
  void churnRuleCanBeSwitchedOff() {
    Settings s = settings("segments.dimensions=[customer_tier]", "segments.combinations=[]",
        "segments.correlation-levels=[]", "behaviour-drivers=[annual_spend]", "customers.clusters.enabled=false",
        "customers.tiers.mode=rules", "customers.tiers.churned-is-at-risk=false");
    assertEquals("regular", tiers(CustomerSegments.assign(tierCustomers(), s).customers()).get("c03"));
  }

  // --- behavioural clusters -----------------------------------------------------------------

  private static final StructType CLUSTER_CRM = new StructType()
      .add("customer_id", DataTypes.StringType)
      .add("spend", DataTypes.DoubleType)
      .add("visits", DataTypes.DoubleType);

  /** Planted centres (spend, visits): A (100, 2), B (1000, 2), C (550, 20). */
  private static final double[][] CENTRES = {{100, 2}, {1000, 2}, {550, 20}};
  private static final int PER_GROUP = 40;

  /**
   * 40 customers per centre, jitter (j mod 5 − 2)·(5, 0.1): it sums to zero, so each group's mean
   * is exactly its centre. One more customer without visits cannot be clustered.
   */
  private static Dataset<Row> plantedCustomers() {
    List<Row> rows = new ArrayList<>();
    for (int g = 0; g < CENTRES.length; g++) {
      for (int j = 0; j < PER_GROUP; j++) {
        double u = j % 5 - 2;
        rows.add(RowFactory.create(String.format("%c%02d", 'A' + g, j), CENTRES[g][0] + 5 * u, CENTRES[g][1] + 0.1 * u));
      }
    }
    rows.add(RowFactory.create("X00", 500.0, null));
    return SharedSpark.spark().createDataFrame(rows, CLUSTER_CRM);
  }

  private static Settings clusterSettings(String... more) {
    List<String> o = new ArrayList<>(List.of("behaviour-drivers=[spend, visits]", "min-n=10",
        "customers.clusters.k-min=2", "customers.clusters.k-max=4", "customers.clusters.max-iterations=10",
        "customers.clusters.sample-size=100"));
    o.addAll(List.of(more));
    return settings(o.toArray(String[]::new));
  }

  private static Map<String, String> assignment(Dataset<Row> customers) {
    Map<String, String> byCustomer = new HashMap<>();
    customers.select("customer_id", Settings.Customers.CLUSTER).collectAsList()
        .forEach(r -> byCustomer.put(r.getString(0), r.getString(1)));
    return byCustomer;
  }

  @Test
  void kmeansRecoversPlantedClustersAndSilhouettePicksTheirNumber() {
    CustomerSegments.Result result = CustomerSegments.assign(plantedCustomers(), clusterSettings());
    CustomerSegments.Clustering c = result.clustering();
    assertEquals(3, c.k());
    assertTrue(c.chosenBySilhouette());
    assertEquals(Set.of(2, 3, 4), c.silhouetteByK().keySet());
    c.silhouetteByK().forEach((k, score) -> assertTrue(k == 3 || score < c.silhouette(), "k=" + k + ": " + score));
    assertEquals(120, c.clusterable());
    // fitted on the ~100-customer sample (a hash share of 100/120), yet every customer is assigned
    assertTrue(c.fitted() > 60 && c.fitted() < 120, "fitted " + c.fitted());

    Map<String, String> byCustomer = assignment(result.customers());
    assertNull(byCustomer.get("X00"));
    Set<String> clustersSeen = new HashSet<>();
    for (int g = 0; g < CENTRES.length; g++) {
      Set<String> ids = new HashSet<>();
      for (int j = 0; j < PER_GROUP; j++) {
        ids.add(byCustomer.get(String.format("%c%02d", 'A' + g, j)));
      }
      assertEquals(1, ids.size(), "group " + g + " is one cluster: " + ids);
      clustersSeen.addAll(ids);
    }
    assertEquals(3, clustersSeen.size(), "each group its own cluster");

    // Labels by hand: mean spend 550, visits 8; sample sds over the 120 customers:
    // spend √((2·40·450² + 3·8·(4+1+1+4)·25)/119) = 369.03, visits √((2·40·36 + 40·144 + 3·80·0.01)/119) = 8.522.
    // A: z = (−1.219, −0.704) → "low spend, low visits"; B: (+1.219, −0.704) → "high spend, low visits";
    // C: (0, +1.408) → "high visits" (|0| < 0.5 is left out).
    Map<String, String> expectedLabel = Map.of("A", "low spend, low visits", "B", "high spend, low visits",
        "C", "high visits");
    for (int g = 0; g < CENTRES.length; g++) {
      String id = byCustomer.get(String.format("%c00", 'A' + g));
      CustomerSegments.Cluster cluster = c.clusters().stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
      assertEquals(PER_GROUP, cluster.customers());
      assertArrayEquals(CENTRES[g], cluster.centroid(), 1e-9);
      assertEquals(expectedLabel.get(String.valueOf((char) ('A' + g))), cluster.label());
    }
    double sdSpend = Math.sqrt((2 * 40 * 450.0 * 450 + 3 * 8 * 10 * 25.0) / 119);
    CustomerSegments.Cluster b = c.clusters().stream().filter(x -> x.id().equals(byCustomer.get("B00")))
        .findFirst().orElseThrow();
    assertEquals(450 / sdSpend, b.standardized()[0], 1e-9);
  }

  /** Planted centres (spend, visits) of unequal groups: D is 1/15 of the customers. */
  private static final double[][] UNEQUAL_CENTRES = {{100, 2}, {1000, 2}, {550, 20}, {1000, 20}};
  private static final int[] UNEQUAL_SIZES = {600, 500, 300, 100};

  /**
   * k chosen and fitted on a sample of ~13% of 1500 customers (D then has ~13 sample points), yet
   * the silhouette still finds the 4 groups and every customer, sampled or not, lands in its own
   * group's cluster. Jitter (j·7 mod 11 − 5)·(8, 0.3) stays within ±40 spend and ±1.5 visits of
   * the centre, far less than the gaps between centres (450 spend, 18 visits).
   */
  @Test
  void aSmallSampleChoosesKAndAssignsEveryCustomer() {
    List<Row> rows = new ArrayList<>();
    for (int g = 0; g < UNEQUAL_CENTRES.length; g++) {
      for (int j = 0; j < UNEQUAL_SIZES[g]; j++) {
        double u = (j * 7) % 11 - 5;
        rows.add(RowFactory.create(String.format("%c%03d", 'A' + g, j), UNEQUAL_CENTRES[g][0] + 8 * u,
            UNEQUAL_CENTRES[g][1] + 0.3 * u));
      }
    }
    CustomerSegments.Result result = CustomerSegments.assign(SharedSpark.spark().createDataFrame(rows, CLUSTER_CRM),
        clusterSettings("customers.clusters.k-max=5", "customers.clusters.sample-size=200"));
    CustomerSegments.Clustering c = result.clustering();
    assertEquals(4, c.k(), "silhouette by k: " + c.silhouetteByK());
    assertEquals(1500, c.clusterable());
    assertTrue(c.fitted() > 140 && c.fitted() < 260, "fitted " + c.fitted());

    Map<String, String> byCustomer = assignment(result.customers());
    Set<String> clustersSeen = new HashSet<>();
    for (int g = 0; g < UNEQUAL_CENTRES.length; g++) {
      Set<String> ids = new HashSet<>();
      for (int j = 0; j < UNEQUAL_SIZES[g]; j++) {
        ids.add(byCustomer.get(String.format("%c%03d", 'A' + g, j)));
      }
      assertEquals(1, ids.size(), "group " + (char) ('A' + g) + " is one cluster: " + ids);
      clustersSeen.addAll(ids);
    }
    assertEquals(4, clustersSeen.size(), "each group its own cluster");
  }

  @Test
  void rerunsAgreeWhateverThePartitioning() {
    Settings k3 = clusterSettings("customers.clusters.k=3");
    Map<String, String> first = assignment(CustomerSegments.assign(plantedCustomers(), k3).customers());
    Map<String, String> reshuffled = assignment(CustomerSegments.assign(
        plantedCustomers().repartition(3).sortWithinPartitions("visits"), k3).customers());
    assertEquals(first, reshuffled);
  }

  @Test
  void aConfiguredKIsUsedAndTooFewCustomersSkipClustering() {
    CustomerSegments.Result two = CustomerSegments.assign(plantedCustomers(),
        clusterSettings("customers.clusters.k=2"));
    assertEquals(2, two.clustering().k());
    assertEquals(Set.of(2), two.clustering().silhouetteByK().keySet());
    // 120 customers < k-max 4 x min-n 31
    CustomerSegments.Result skipped = CustomerSegments.assign(plantedCustomers(), clusterSettings("min-n=31"));
    assertNull(skipped.clustering());
    assertEquals(0, skipped.customers().filter("behaviour_cluster IS NOT NULL").count());
  }

  @Test
  void labelNamesTheStrongestFeatures() {
    assertEquals("low b, high c", CustomerSegments.label(List.of("a", "b", "c", "d"), new double[] {0.2, -1.5, 0.9, 0.6}));
    assertEquals("average", CustomerSegments.label(List.of("a", "b"), new double[] {0.49, -0.3}));
  }

  // --- configuration ------------------------------------------------------------------------

  @Test
  void configErrorsNameTheirKeys() {
    SatlakeException e = assertThrows(SatlakeException.class, () -> settings(
        "customers.clusters.k=1", "customers.clusters.k-min=4", "customers.clusters.k-max=3",
        "customers.tiers.high-value-top-share=1.5", "customers.clusters.columns=[nope]",
        "customers.tiers.mode=sometimes", "customers.churned-column=\"bad name\"",
        "segments.dimensions=[channel, behaviour_cluster]", "segments.combinations=[]",
        "segments.correlation-levels=[]", "customers.clusters.enabled=false",
        "customers.clusters.sample-size=1000001"));
    for (String key : List.of("satlake.customers.clusters.k:", "satlake.customers.clusters.k-max:",
        "satlake.customers.clusters.sample-size:",
        "satlake.customers.tiers.high-value-top-share:", "satlake.customers.clusters.columns:",
        "satlake.customers.tiers.mode:", "satlake.customers.churned-column:", "satlake.segments.dimensions:")) {
      assertTrue(e.getMessage().contains(key), key + " in\n" + e.getMessage());
    }
  }
}
