package io.satlake.weighting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.SatlakeException;
import io.satlake.config.Settings;
import io.satlake.metrics.SatisfactionIndex;
import io.satlake.metrics.SegmentScores;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Post-stratification by region worked by hand. The CRM has 60 north and 40 south customers;
 * the window has 2 north and 8 south respondents and one response whose customer is not in the
 * CRM. Weights: north 0.6 / 0.2 = 3, south 0.4 / 0.8 = 0.5, unmatched 1. Raked: Σw = 10,
 * Σw² = 2·9 + 8·0.25 = 20, n_eff = 100 / 20 = 5, design effect 2.
 */
class SurveyWeightsTest {
  static final double Z = 1.959963984540054;
  static final double T_975_3 = 3.182446305284263; // Student t table, 3 df
  static final LocalDate RUN = LocalDate.of(2025, 12, 31);

  @TempDir
  static Path dir;
  static SparkSession spark;
  static Dataset<Row> facts;
  static Dataset<Row> crm;
  static Settings settings;
  static SurveyWeights.Weighted weighted;
  static List<Row> weightedScores;
  static Row overall;

  @BeforeAll
  static void weight() {
    spark = SharedSpark.spark();
    settings = TestInputs.small(dir, dir, dir, "min-n=2", "weighting.dimensions=[region]");
    StructType schema = new StructType().add("response_id", DataTypes.StringType)
        .add(io.satlake.enrich.CrmEnricher.MATCHED, DataTypes.BooleanType)
        .add("channel", DataTypes.StringType).add("region", DataTypes.StringType)
        .add("survey_date", DataTypes.DateType).add("period_start", DataTypes.DateType)
        .add("nps", DataTypes.IntegerType).add("csat", DataTypes.IntegerType).add("ces", DataTypes.IntegerType)
        .add("dim_quality", DataTypes.IntegerType);
    List<Row> rows = new ArrayList<>();
    rows.add(response("n1", true, "north", 10, 5, 7));
    rows.add(response("n2", true, "north", 9, 4, 7));
    int[] southNps = {10, 6, 6, 6, 7, 8, 3, 0};
    Integer[] southCsat = {5, 1, 2, 2, 3, null, null, null};
    Integer[] southQuality = {1, 2, 3, 4, 5, 6, 7, null};
    for (int i = 0; i < 8; i++) {
      rows.add(response("s" + i, true, "south", southNps[i], southCsat[i], southQuality[i]));
    }
    rows.add(response("u1", false, "unknown", null, 5, null));
    facts = spark.createDataFrame(rows, schema)
        .withColumn(Settings.SATISFACTION_INDEX, SatisfactionIndex.of(settings))
        .withColumn("complaint_category", org.apache.spark.sql.functions.lit(null).cast(DataTypes.StringType));
    crm = spark.range(100).selectExpr("CAST(id AS STRING) AS customer_id",
        "CASE WHEN id < 60 THEN 'north' ELSE 'south' END AS region");
    weighted = SurveyWeights.compute(facts, crm, settings, List.of("region"), RUN, "run-w");
    weightedScores = scores(weighted.facts(), settings);
    overall = windowRow(weightedScores, "overall", null);
  }

  static Row response(String id, boolean matched, String region, Integer nps, Integer csat, Integer quality) {
    return RowFactory.create(id, matched, "web", region, Date.valueOf("2025-01-10"), Date.valueOf("2025-01-01"),
        nps, csat, null, quality);
  }

  static List<Row> scores(Dataset<Row> weightedFacts, Settings s) {
    return SegmentScores.compute(weightedFacts, s, RUN, "run-w", s.window().resolve(RUN)).collectAsList();
  }

  static Row windowRow(List<Row> scores, String segmentKey, String region) {
    return scores.stream().filter(r -> r.getAs("period_grain").equals("window")
        && r.getAs("segment_key").equals(segmentKey) && java.util.Objects.equals(r.getAs("region"), region))
        .findFirst().orElseThrow();
  }

  @Test
  void everyResponseGetsItsCellWeightAndUnmatchedOnesWeighOne() {
    Map<String, Double> weights = weighted.facts().select("response_id", SurveyWeights.WEIGHT).collectAsList()
        .stream().collect(Collectors.toMap(r -> r.getString(0), r -> r.getDouble(1)));
    assertEquals(11, weights.size());
    assertEquals(3.0, weights.get("n1"), 1e-12);
    assertEquals(0.5, weights.get("s7"), 1e-12);
    assertEquals(1.0, weights.get("u1"), 0.0);
    assertEquals(facts.columns().length + 1, weighted.facts().columns().length);
  }

  @Test
  void surveyWeightsReportsMarginsConvergenceAndTheDesignEffect() {
    List<Row> table = weighted.table().orderBy("category").collectAsList();
    assertEquals(2, table.size());
    Row north = table.get(0);
    assertEquals("region", north.getAs("dimension"));
    assertEquals("north", north.getAs("category"));
    assertEquals(60L, north.<Long>getAs("population_n"));
    assertEquals(0.6, north.<Double>getAs("population_share"), 1e-12);
    assertEquals(2L, north.<Long>getAs("sample_n"));
    assertEquals(0.2, north.<Double>getAs("sample_share"), 1e-12);
    assertEquals(0.6, north.<Double>getAs("weighted_share"), 1e-12);
    assertEquals(0.4, table.get(1).<Double>getAs("weighted_share"), 1e-12);
    assertEquals(1, north.<Integer>getAs("iterations"));
    assertTrue(north.<Double>getAs("max_margin_error") <= 1e-12);
    assertEquals(10L, north.<Long>getAs("n_raked"));
    assertEquals(1L, north.<Long>getAs("n_unmatched"));
    assertEquals(5.0, north.<Double>getAs("n_effective"), 1e-12);
    assertEquals(2.0, north.<Double>getAs("design_effect"), 1e-12);
    assertEquals(0.5, north.<Double>getAs("weight_min"), 1e-12);
    assertEquals(3.0, north.<Double>getAs("weight_max"), 1e-12);
  }

  @Test
  void weightedNpsUsesWeightedSharesAndTheEffectiveN() {
    // promoters: two north (w 3) + one south (w 0.5) = 6.5 of Σw 10; detractors: five south = 2.5
    double p = 0.65;
    double d = 0.25;
    double se = 100 * Math.sqrt((p + d - (p - d) * (p - d)) / 5);
    assertEquals(40.0, overall.<Double>getAs("nps_weighted"), 1e-9);
    assertEquals(5.0, overall.<Double>getAs("nps_n_effective"), 1e-9);
    assertEquals(40 - Z * se, overall.<Double>getAs("nps_weighted_low"), 1e-9);
    assertEquals(40 + Z * se, overall.<Double>getAs("nps_weighted_high"), 1e-9);
    // the unweighted figure is untouched: 3 promoters, 5 detractors of 10
    assertEquals(-20.0, overall.<Double>getAs("nps"), 1e-9);
    assertEquals(10L, overall.<Long>getAs("nps_n"));
    // all 11 responses: Σw = 11, Σw² = 20 + 1
    assertEquals(121 / 21.0, overall.<Double>getAs("n_effective"), 1e-9);
  }

  @Test
  void weightedCsatIsAWilsonIntervalAtTheEffectiveN() {
    // csat answers: north 5, 4 (w 3, both 4-5); south 5, 1, 2, 2, 3 (w 0.5, one 4-5); unmatched 5 (w 1)
    double sumW = 6 + 2.5 + 1;
    double share = (6 + 0.5 + 1) / sumW;
    double nEff = sumW * sumW / (18 + 1.25 + 1);
    double centre = (share + Z * Z / (2 * nEff)) / (1 + Z * Z / nEff);
    double half = Z / (1 + Z * Z / nEff) * Math.sqrt(share * (1 - share) / nEff + Z * Z / (4 * nEff * nEff));
    assertEquals(100 * share, overall.<Double>getAs("csat_weighted"), 1e-9);
    assertEquals(nEff, overall.<Double>getAs("csat_n_effective"), 1e-9);
    assertEquals(100 * (centre - half), overall.<Double>getAs("csat_weighted_low"), 1e-9);
    assertEquals(100 * (centre + half), overall.<Double>getAs("csat_weighted_high"), 1e-9);
    assertEquals(50.0, overall.<Double>getAs("csat"), 1e-9); // unweighted: 4 of 8
  }

  @Test
  void weightedMeansUseTheReliabilityWeightVarianceAndTheTIntervalAtTheEffectiveN() {
    // quality: north 7, 7 (w 3); south 1..7 (w 0.5). Σw = 9.5, Σw·x = 42 + 14 = 56, Σw² = 18 + 1.75
    double[] x = {7, 7, 1, 2, 3, 4, 5, 6, 7};
    double[] w = {3, 3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    double mean = 56 / 9.5;
    double nEff = 9.5 * 9.5 / 19.75; // 4.57: 3 degrees of freedom
    double squares = 0;
    for (int i = 0; i < x.length; i++) {
      squares += w[i] * (x[i] - mean) * (x[i] - mean);
    }
    double variance = squares / 9.5 * nEff / (nEff - 1);
    double margin = T_975_3 * Math.sqrt(variance / nEff);
    assertEquals(mean, overall.<Double>getAs("dim_quality_weighted"), 1e-9);
    assertEquals(mean - margin, overall.<Double>getAs("dim_quality_weighted_low"), 1e-9);
    assertEquals(mean + margin, overall.<Double>getAs("dim_quality_weighted_high"), 1e-9);
    assertEquals(nEff, overall.<Double>getAs("dim_quality_n_effective"), 1e-9);
    // the satisfaction index of one rating is (x - 1) / 6 x 100, so its weighted mean follows
    assertEquals((mean - 1) / 6 * 100, overall.<Double>getAs("satisfaction_index_weighted"), 1e-9);
    // no ces answers: no figures and no effective n
    assertNull(overall.getAs("ces_weighted"));
    assertNull(overall.getAs("ces_n_effective"));
  }

  @Test
  void withinAPostStratumTheWeightsAreEqualSoWeightedEqualsUnweighted() {
    Row north = windowRow(weightedScores, "region", "north");
    assertEquals(100.0, north.<Double>getAs("nps_weighted"), 1e-9);
    assertEquals(2.0, north.<Double>getAs("nps_n_effective"), 1e-9);
    assertEquals(north.<Double>getAs("nps_low"), north.<Double>getAs("nps_weighted_low"), 1e-9);
  }

  @Test
  void weightingOffGivesWeightOneAndWeightedFiguresEqualToTheUnweighted() {
    Settings off = TestInputs.small(dir, dir, dir, "min-n=2");
    SurveyWeights.Weighted unweighted = SurveyWeights.compute(facts, crm, off, List.of("region"), RUN, "run-w");
    assertEquals(0, unweighted.table().count());
    assertEquals(11, unweighted.facts().filter("weight = 1.0").count());
    Row o = windowRow(scores(unweighted.facts(), off), "overall", null);
    for (String[] pair : new String[][] {{"nps", "nps_weighted"}, {"nps_low", "nps_weighted_low"},
        {"csat", "csat_weighted"}, {"csat_high", "csat_weighted_high"}, {"dim_quality", "dim_quality_weighted"},
        {"dim_quality_low", "dim_quality_weighted_low"}, {"dim_quality_high", "dim_quality_weighted_high"}}) {
      assertEquals(o.<Double>getAs(pair[0]), o.<Double>getAs(pair[1]), 1e-9, pair[1]);
    }
    assertEquals(11.0, o.<Double>getAs("n_effective"), 1e-12);
  }

  @Test
  void aDimensionTheCrmDoesNotHaveIsAConfigurationError() {
    Settings byChannel = TestInputs.small(dir, dir, dir, "weighting.dimensions=[channel]");
    SatlakeException e = assertThrows(SatlakeException.class,
        () -> SurveyWeights.compute(facts, crm, byChannel, List.of("region"), RUN, "run-w"));
    assertEquals(SatlakeException.ExitCode.USAGE_OR_CONFIG, e.exitCode());
    assertTrue(e.getMessage().startsWith("satlake.weighting.dimensions: 'channel' is read from the responses"));
  }

  @Test
  void invalidWeightingSettingsAreReportedWithTheirKeys() {
    SatlakeException e = assertThrows(SatlakeException.class, () -> TestInputs.small(dir, dir, dir,
        "weighting.dimensions=[tier]", "weighting.tolerance=0", "weighting.trim.min=1.5", "weighting.trim.max=0.5",
        "weighting.max-iterations=0"));
    for (String key : List.of("satlake.weighting.dimensions: 'tier' is not in satlake.segments.dimensions",
        "satlake.weighting.tolerance", "satlake.weighting.trim.min", "satlake.weighting.trim.max",
        "satlake.weighting.max-iterations")) {
      assertTrue(e.getMessage().contains(key), key + " in " + e.getMessage());
    }
  }
}
