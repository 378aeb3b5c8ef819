package io.satlake.drivers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.config.Settings;
import io.satlake.testing.Reference;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.stat.Correlation;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriverCorrelationsTest {
  static final StructType FACTS = new StructType().add("region", DataTypes.StringType)
      .add("nps", DataTypes.IntegerType).add("csat", DataTypes.IntegerType).add("ces", DataTypes.IntegerType)
      .add("dim_quality", DataTypes.IntegerType).add("visits", DataTypes.DoubleType)
      .add("crm_matched", DataTypes.BooleanType);

  @TempDir
  static Path dir;

  private static List<Row> compute(List<Row> facts, String... overrides) {
    Settings settings = TestInputs.small(dir, dir, dir, overrides);
    Dataset<Row> input = SharedSpark.spark().createDataFrame(facts, FACTS);
    return DriverCorrelations.compute(input, settings, LocalDate.of(2025, 12, 31), "run-1").collectAsList();
  }

  private static Row find(List<Row> rows, String segmentKey, String region, String target, String driver,
      String method) {
    return rows.stream().filter(r -> r.getAs("segment_key").equals(segmentKey)
        && java.util.Objects.equals(r.getAs("region"), region) && r.getAs("target").equals(target)
        && r.getAs("driver").equals(driver) && r.getAs("method").equals(method)).findFirst().orElseThrow();
  }

  @Test
  void smallCaseWithTiesMatchesHandComputation() {
    // Complete cases for nps: the first six rows. Row 7 lacks visits, row 8 is not in the CRM,
    // row 9 has no nps: none of them may count.
    List<Row> facts = List.of(
        RowFactory.create("north", 10, 5, 1, 7, 8.0, true),
        RowFactory.create("north", 9, 4, 2, 6, 8.0, true),
        RowFactory.create("south", 9, 4, 2, 6, 5.0, true),
        RowFactory.create("south", 6, 3, 4, 4, 3.0, true),
        RowFactory.create("north", 3, 2, 6, 2, 1.0, true),
        RowFactory.create("south", 7, 2, 3, 6, 4.0, true),
        RowFactory.create("north", 0, 1, 7, 1, null, true),
        RowFactory.create("north", 0, 1, 7, 1, 9.0, false),
        RowFactory.create("south", null, 5, 1, 7, 2.0, true));
    List<Row> rows = compute(facts, "min-n=3");
    double[] nps = {10, 9, 9, 6, 3, 7};
    double[] visits = {8, 8, 5, 3, 1, 4};
    // nps ranks: 3 -> 1, 6 -> 2, 7 -> 3, 9, 9 -> 4.5, 10 -> 6; visits ranks: 1, 3, 4, 5, 8, 8 -> 5.5
    double[] npsRanks = {6, 4.5, 4.5, 2, 1, 3};
    double[] visitRanks = {5.5, 5.5, 4, 2, 1, 3};
    assertEquals(java.util.Arrays.toString(npsRanks), java.util.Arrays.toString(Reference.averageRanks(nps)));

    Row pearson = find(rows, "overall", null, "nps", "visits", "pearson");
    Row spearman = find(rows, "overall", null, "nps", "visits", "spearman");
    assertEquals(6L, pearson.<Long>getAs("n"));
    assertEquals(Reference.pearson(nps, visits), pearson.<Double>getAs("r"), 1e-9);
    assertEquals(Reference.pearson(npsRanks, visitRanks), spearman.<Double>getAs("r"), 1e-9);

    double r = pearson.getAs("r");
    double z = 0.5 * Math.log((1 + r) / (1 - r));
    double half = 1.959963984540054 / Math.sqrt(6 - 3);
    assertEquals(Math.tanh(z - half), pearson.<Double>getAs("ci_low"), 1e-9);
    assertEquals(Math.tanh(z + half), pearson.<Double>getAs("ci_high"), 1e-9);

    // Row 9 has no nps but is a complete case for csat: 7 rows there.
    assertEquals(7L, find(rows, "overall", null, "csat", "visits", "pearson").<Long>getAs("n"));

    // Per segment: north has 3 complete nps cases (10/8, 9/8, 3/1), south 3 (9/5, 6/3, 7/4).
    Row north = find(rows, "region", "north", "nps", "visits", "pearson");
    assertEquals(3L, north.<Long>getAs("n"));
    assertEquals(Reference.pearson(new double[] {10, 9, 3}, new double[] {8, 8, 1}), north.<Double>getAs("r"), 1e-9);
  }

  @Test
  void segmentsBelowMinNAreSuppressed() {
    List<Row> facts = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      facts.add(RowFactory.create("north", i * 2, 1 + i, 7 - i, 1 + i, (double) i, true));
    }
    Row row = find(compute(facts, "min-n=6"), "region", "north", "nps", "visits", "pearson");
    assertEquals(5L, row.<Long>getAs("n"));
    assertTrue(row.<Boolean>getAs("suppressed"));
    assertNull(row.getAs("r"));
    assertNull(row.getAs("p_value"));
  }

  /** 3000 responses, a continuous driver (visits, ~3000 distinct values), 5% without nps, 3% not in the CRM. */
  private static List<Row> randomFacts() {
    Random random = new Random(7);
    List<Row> facts = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      double latent = random.nextGaussian();
      int nps = (int) Math.max(0, Math.min(10, Math.round(7 + 2 * latent + random.nextGaussian())));
      int csat = (int) Math.max(1, Math.min(5, Math.round(3.8 + latent + random.nextGaussian())));
      int ces = (int) Math.max(1, Math.min(7, Math.round(3 - latent + random.nextGaussian())));
      int quality = (int) Math.max(1, Math.min(7, Math.round(4.5 + 1.2 * latent + random.nextGaussian())));
      double visits = Math.exp(1 + 0.4 * latent + 0.5 * random.nextGaussian());
      facts.add(RowFactory.create(random.nextBoolean() ? "north" : "south",
          random.nextInt(20) == 0 ? null : nps, csat, ces, quality, visits, random.nextInt(30) != 0));
    }
    return facts;
  }

  @Test
  void aSampleInFewBinsSaysHowManyItHolds() {
    // A segment whose visits take three values far apart in the log-normal spread (the first
    // bin, the middle, the last): each of its bins holds one value, so its ranks, and rho, are exact.
    List<Row> facts = new ArrayList<>(randomFacts());
    double[] narrowVisits = {0.5, Math.E, 15};
    for (int i = 0; i < 42; i++) {
      facts.add(RowFactory.create("narrow", (i * 7) % 11, i % 5 + 1, i % 7 + 1, (i * 3) % 7 + 1, narrowVisits[i % 3],
          true));
    }
    List<Row> rows = compute(facts, "min-n=10", "correlations.rank-bins=64");
    Dataset<Row> all = SharedSpark.spark().createDataFrame(facts, FACTS);
    for (String target : Settings.TARGETS) {
      Row narrow = find(rows, "region", "narrow", target, "visits", "spearman");
      assertEquals(3, narrow.<Integer>getAs("rank_bins"), target);
      assertEquals(mllib(all, target, "narrow", "spearman").apply(0, 1), narrow.<Double>getAs("r"), 1e-9, target);
      assertEquals(64, find(rows, "overall", null, target, "visits", "spearman").<Integer>getAs("rank_bins"), target);
    }
  }

  private static Matrix mllib(Dataset<Row> all, String target, String region, String method) {
    Dataset<Row> sample = all.filter("crm_matched AND visits IS NOT NULL AND dim_quality IS NOT NULL AND "
        + target + " IS NOT NULL" + (region == null ? "" : " AND region = '" + region + "'"));
    Dataset<Row> vectors = new VectorAssembler().setInputCols(new String[] {target, "visits", "dim_quality"})
        .setOutputCol("v").transform(sample.selectExpr("CAST(" + target + " AS DOUBLE) AS " + target,
            "visits", "CAST(dim_quality AS DOUBLE) AS dim_quality"));
    return Correlation.corr(vectors, "v", method).head().getAs(0);
  }

  @Test
  void agreesWithMllibCorrelationOverallAndPerSegment() {
    List<Row> facts = randomFacts();
    // More bins than distinct visits: every rank is exact.
    List<Row> rows = compute(facts, "min-n=10", "correlations.rank-bins=4096");
    Dataset<Row> all = SharedSpark.spark().createDataFrame(facts, FACTS);
    for (String region : new String[] {null, "north"}) {
      for (String target : Settings.TARGETS) {
        long n = all.filter("crm_matched AND visits IS NOT NULL AND dim_quality IS NOT NULL AND "
            + target + " IS NOT NULL" + (region == null ? "" : " AND region = '" + region + "'")).count();
        for (String method : new String[] {"pearson", "spearman"}) {
          Matrix m = mllib(all, target, region, method);
          String key = region == null ? "overall" : "region";
          assertEquals(m.apply(0, 1), find(rows, key, region, target, "visits", method).<Double>getAs("r"), 1e-9,
              method + " " + target + " visits " + region);
          assertEquals(m.apply(0, 2), find(rows, key, region, target, "dim_quality", method).<Double>getAs("r"), 1e-9,
              method + " " + target + " dim_quality " + region);
          assertEquals(n, find(rows, key, region, target, "visits", method).<Long>getAs("n"));
          assertNull(find(rows, key, region, target, "visits", method).getAs("rank_bins"));
        }
      }
    }
  }

  @Test
  void everyValueOfAManyValuedLevelGetsItsOwnSegment() {
    // 60 values with the same length and first 8 bytes, and NULL: the per-level index must grow
    // past its first size and tell the values apart by their bytes.
    List<Row> base = randomFacts();
    List<Row> facts = new ArrayList<>();
    for (int i = 0; i < base.size(); i++) {
      Row r = base.get(i);
      String store = i % 61 == 60 ? null : String.format(java.util.Locale.ROOT, "store_%04d", i % 61);
      facts.add(RowFactory.create(store, r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)));
    }
    List<Row> rows = compute(facts, "min-n=10", "correlations.rank-bins=4096");
    Dataset<Row> all = SharedSpark.spark().createDataFrame(facts, FACTS);
    for (String store : new String[] {"store_0000", "store_0031", "store_0059"}) {
      Matrix m = mllib(all, "csat", store, "pearson");
      assertEquals(m.apply(0, 2), find(rows, "region", store, "csat", "dim_quality", "pearson").<Double>getAs("r"),
          1e-9, store);
      assertEquals(all.filter("crm_matched AND visits IS NOT NULL AND dim_quality IS NOT NULL AND csat IS NOT NULL"
          + " AND region = '" + store + "'").count(),
          find(rows, "region", store, "csat", "visits", "pearson").<Long>getAs("n"), store);
    }
    assertEquals(61, rows.stream().filter(r -> r.getAs("segment_key").equals("region"))
        .map(r -> r.<String>getAs("region")).distinct().count());
  }

  @Test
  void aDriverConstantWithinASegmentHasNoCorrelationThoughItIsNotTheShift() {
    // The 3000 random rows (visits around e; the shift is the overall median) and nine segments of
    // 37 rows whose visits are constant, 0.1 .. 0.9: their shifted sums need not cancel exactly
    // (the residue's sign depends on the value), but their variance is 0.
    List<Row> facts = new ArrayList<>(randomFacts());
    double[] nps = new double[37];
    double[] quality = new double[37];
    for (int i = 0; i < 37; i++) {
      nps[i] = i % 11;
      quality[i] = i % 7 + 1;
      for (int k = 1; k <= 9; k++) {
        facts.add(RowFactory.create("constant_" + k, i % 11, i % 5 + 1, i % 7 + 1, i % 7 + 1, k / 10.0, true));
      }
    }
    List<Row> rows = compute(facts, "min-n=10");
    for (int k = 1; k <= 9; k++) {
      String segment = "constant_" + k;
      for (String target : Settings.TARGETS) {
        for (String method : new String[] {"pearson", "spearman"}) {
          Row constant = find(rows, "region", segment, target, "visits", method);
          String label = method + " " + target + " " + segment;
          assertEquals(37L, constant.<Long>getAs("n"), label);
          assertNull(constant.getAs("r"), label);
          assertNull(constant.getAs("p_value"), label);
          assertNull(constant.getAs("ci_low"), label);
        }
      }
      // The segment's other driver varies and keeps its coefficient.
      assertEquals(Reference.pearson(nps, quality),
          find(rows, "region", segment, "nps", "dim_quality", "pearson").<Double>getAs("r"), 1e-9, segment);
    }
  }

  @Test
  void aContinuousDriverWithMoreValuesThanBinsIsRankedInBinsCloseToExact() {
    List<Row> facts = randomFacts();
    List<Row> rows = compute(facts, "min-n=10", "correlations.rank-bins=64");
    Dataset<Row> all = SharedSpark.spark().createDataFrame(facts, FACTS);
    for (String target : Settings.TARGETS) {
      Matrix spearman = mllib(all, target, null, "spearman");
      Row visits = find(rows, "overall", null, target, "visits", "spearman");
      // 3,000 rows spread over every one of the 64 bins
      assertEquals(64, visits.<Integer>getAs("rank_bins"));
      // Binning moves each rank by at most half a bin (n / 128), so rho stays close.
      double r = visits.getAs("r");
      assertTrue(Math.abs(r - spearman.apply(0, 1)) < 1e-3, target + ": " + r + " vs exact " + spearman.apply(0, 1));
      assertTrue(r != spearman.apply(0, 1), "binned ranks are not the exact ones");
      // The scales stay exact, and Pearson never uses ranks.
      Row quality = find(rows, "overall", null, target, "dim_quality", "spearman");
      assertNull(quality.getAs("rank_bins"));
      assertEquals(spearman.apply(0, 2), quality.<Double>getAs("r"), 1e-9);
      assertEquals(mllib(all, target, null, "pearson").apply(0, 1),
          find(rows, "overall", null, target, "visits", "pearson").<Double>getAs("r"), 1e-9);
    }
  }
}
