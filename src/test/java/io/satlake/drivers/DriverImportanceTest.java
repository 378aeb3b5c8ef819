package io.satlake.drivers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.config.Settings;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriverImportanceTest {
  static final StructType FACTS = new StructType().add("response_id", DataTypes.StringType)
      .add("region", DataTypes.StringType).add("nps", DataTypes.IntegerType).add("csat", DataTypes.IntegerType)
      .add("satisfaction_index", DataTypes.DoubleType).add("dim_quality", DataTypes.IntegerType)
      .add("visits", DataTypes.DoubleType).add("spend", DataTypes.DoubleType).add("usage", DataTypes.DoubleType)
      .add("crm_matched", DataTypes.BooleanType);
  static final List<String> DRIVERS = List.of("visits", "spend", "usage", "dim_quality");

  @TempDir
  static Path dir;

  static Settings settings(String... overrides) {
    List<String> all = new ArrayList<>(List.of("behaviour-drivers=[visits, spend, usage]",
        "importance.levels=[region]"));
    all.addAll(List.of(overrides));
    return TestInputs.small(dir, dir, dir, all.toArray(String[]::new));
  }

  /**
   * Responses with a latent satisfaction driving nps, csat and the ratings, behaviour partly
   * related; regions north/south and a 'tiny' one of 10 rows; every 10th row has no csat, every
   * 50th is not in the CRM, every 70th lacks spend: none of those may count where they do not belong.
   */
  static List<Row> facts(int n, long seed) {
    Random random = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double latent = random.nextGaussian();
      double visits = Math.exp(1 + 0.3 * latent + 0.5 * random.nextGaussian());
      double spend = 500 + 200 * random.nextGaussian() + 80 * latent;
      double usage = Math.min(1, Math.max(0, 0.5 + 0.15 * random.nextGaussian()));
      int quality = (int) Math.max(1, Math.min(7, Math.round(4.5 + 1.2 * latent + random.nextGaussian())));
      int nps = (int) Math.max(0, Math.min(10, Math.round(7 + 1.5 * latent + 0.4 * visits + 2 * usage
          + random.nextGaussian())));
      int csat = (int) Math.max(1, Math.min(5, Math.round(3.5 + 0.8 * latent + random.nextGaussian())));
      double index = Math.max(0, Math.min(100, 60 + 10 * latent + 0.01 * spend + 5 * random.nextGaussian()));
      String region = i < 10 ? "tiny" : i % 2 == 0 ? "north" : "south";
      rows.add(RowFactory.create("r" + i, region, nps, i % 10 == 3 ? null : csat, index, quality, visits,
          i % 70 == 5 ? null : spend, usage, i % 50 != 7));
    }
    return rows;
  }

  static DriverImportance.Result compute(List<Row> facts, Settings settings) {
    return DriverImportance.compute(SharedSpark.spark().createDataFrame(facts, FACTS), settings,
        LocalDate.of(2025, 12, 31), "run-1");
  }

  static List<Row> rows(DriverImportance.Result result, String segmentKey, String region, String target) {
    return result.table().collectAsList().stream().filter(r -> r.getAs("segment_key").equals(segmentKey)
        && (region == null || region.equals(r.getAs("region"))) && r.getAs("target").equals(target)).toList();
  }

  static Row driver(List<Row> rows, String driver) {
    return rows.stream().filter(r -> r.getAs("driver").equals(driver)).findFirst().orElseThrow();
  }

  @Test
  void betasAndR2EqualMllibLinearRegressionOnStandardizedDrivers() {
    List<Row> facts = facts(1500, 1);
    DriverImportance.Result result = compute(facts, settings("importance.bootstrap-replicates=0"));
    for (String target : List.of("nps", "csat", "satisfaction_index")) {
      // The complete cases of the target, standardized in the test (two-pass means and SDs).
      List<double[]> cases = new ArrayList<>();
      for (Row r : facts) {
        int t = FACTS.fieldIndex(target);
        if (r.getBoolean(9) && !r.isNullAt(t) && DRIVERS.stream().noneMatch(d -> r.isNullAt(FACTS.fieldIndex(d)))) {
          double[] v = new double[DRIVERS.size() + 1];
          v[0] = ((Number) r.get(t)).doubleValue();
          for (int j = 0; j < DRIVERS.size(); j++) {
            v[j + 1] = ((Number) r.get(FACTS.fieldIndex(DRIVERS.get(j)))).doubleValue();
          }
          cases.add(v);
        }
      }
      double[] mean = new double[DRIVERS.size() + 1];
      double[] sd = new double[DRIVERS.size() + 1];
      for (double[] v : cases) {
        for (int j = 0; j < v.length; j++) {
          mean[j] += v[j] / cases.size();
        }
      }
      for (double[] v : cases) {
        for (int j = 0; j < v.length; j++) {
          sd[j] += (v[j] - mean[j]) * (v[j] - mean[j]) / (cases.size() - 1);
        }
      }
      List<Row> standardized = new ArrayList<>();
      for (double[] v : cases) {
        Object[] z = new Object[v.length];
        for (int j = 0; j < v.length; j++) {
          z[j] = (v[j] - mean[j]) / Math.sqrt(sd[j]);
        }
        standardized.add(RowFactory.create(z));
      }
      StructType schema = new StructType().add("y", DataTypes.DoubleType);
      for (String d : DRIVERS) {
        schema = schema.add(d, DataTypes.DoubleType);
      }
      Dataset<Row> frame = new VectorAssembler().setInputCols(DRIVERS.toArray(String[]::new)).setOutputCol("f")
          .transform(SharedSpark.spark().createDataFrame(standardized, schema));
      LinearRegressionModel model = new LinearRegression().setLabelCol("y").setFeaturesCol("f").setRegParam(0)
          .setStandardization(false).setSolver("normal").fit(frame);

      List<Row> overall = rows(result, "overall", null, target);
      for (int j = 0; j < DRIVERS.size(); j++) {
        Row row = driver(overall, DRIVERS.get(j));
        assertEquals((long) cases.size(), row.<Long>getAs("n"), target);
        assertEquals(model.coefficients().apply(j), row.<Double>getAs("beta"), 1e-9, target + " " + DRIVERS.get(j));
        assertEquals(model.summary().r2(), row.<Double>getAs("r2"), 1e-9, target);
      }
      assertEquals(1.0, overall.stream().mapToDouble(r -> r.<Double>getAs("importance")).sum(), 1e-12);
      assertEquals(overall.get(0).<Double>getAs("r2"),
          overall.stream().mapToDouble(r -> r.<Double>getAs("shapley")).sum(), 1e-12);
      assertEquals(overall.get(0).<Double>getAs("r2"),
          overall.stream().mapToDouble(r -> r.<Double>getAs("relative_weight")).sum(), 1e-12);
    }
  }

  @Test
  void segmentsBelowMinNAreSuppressedWithTheirN() {
    DriverImportance.Result result = compute(facts(400, 2), settings("importance.bootstrap-replicates=20"));
    // 'tiny' holds rows 0-9; row 3 has no csat, row 5 no spend, row 7 is not in the CRM.
    List<Row> tiny = rows(result, "region", "tiny", "nps");
    assertEquals(4, tiny.size());
    for (Row row : tiny) {
      assertEquals(8L, row.<Long>getAs("n"));
      assertTrue(row.<Boolean>getAs("suppressed"));
      for (String figure : List.of("r2", "beta", "shapley", "importance", "importance_low", "relative_weight",
          "logit_coefficient", "odds_ratio", "condition_number")) {
        assertNull(row.getAs(figure), figure);
      }
    }
    assertEquals(7L, driver(rows(result, "region", "tiny", "csat"), "visits").<Long>getAs("n"));
    Row north = driver(rows(result, "region", "north", "nps"), "visits");
    assertTrue(!north.<Boolean>getAs("suppressed") && north.getAs("importance") != null);
    assertEquals(20, north.<Integer>getAs("bootstrap_replicates"));
    assertNull(driver(rows(result, "overall", null, "csat"), "visits").getAs("odds_ratio"), "logit only for nps");
  }

  @Test
  void bootstrapIntervalsContainTheEstimateNarrowWithNAndAreReproducible() {
    Settings settings = settings("importance.levels=[]");
    List<Row> small = rows(compute(facts(300, 3), settings), "overall", null, "nps");
    List<Row> large = rows(compute(facts(4800, 3), settings), "overall", null, "nps");
    // The same responses in other partitions, in another order: the same groups and weights.
    List<Row> again = rows(DriverImportance.compute(SharedSpark.spark().createDataFrame(facts(300, 3), FACTS)
        .repartition(5), settings, LocalDate.of(2025, 12, 31), "run-1"), "overall", null, "nps");
    for (String d : DRIVERS) {
      for (Row row : List.of(driver(small, d), driver(large, d))) {
        double importance = row.getAs("importance");
        assertTrue(row.<Double>getAs("importance_low") <= importance
            && importance <= row.<Double>getAs("importance_high"), d + " " + row);
        assertEquals(200, row.<Integer>getAs("bootstrap_replicates"));
      }
      // 16 times the data: the interval should shrink about 4-fold; ask for at least 2.5.
      double smallWidth = driver(small, d).<Double>getAs("importance_high") - driver(small, d).<Double>getAs("importance_low");
      double largeWidth = driver(large, d).<Double>getAs("importance_high") - driver(large, d).<Double>getAs("importance_low");
      assertTrue(largeWidth * 2.5 < smallWidth, d + ": " + smallWidth + " vs " + largeWidth);
      // Equal up to the order in which Spark adds the doubles.
      assertEquals(driver(small, d).<Double>getAs("importance_low"), driver(again, d).<Double>getAs("importance_low"),
          1e-12);
      assertEquals(driver(small, d).<Double>getAs("importance_high"), driver(again, d).<Double>getAs("importance_high"),
          1e-12);
    }
  }

  @Test
  void poissonWeightsFollowPoissonOne() {
    int[] counts = new int[8];
    int draws = 200_000;
    for (int i = 0; i < draws; i++) {
      counts[Math.min(7, PoissonBootstrap.weight(0x5DEECE66DL * i, i % 200))]++;
    }
    double factorial = 1;
    for (int k = 0; k < 5; k++) {
      factorial *= Math.max(1, k);
      double expected = Math.exp(-1) / factorial; // P(K = k) = e^-1 / k!
      assertEquals(expected, counts[k] / (double) draws, 0.005, "P(K=" + k + ")");
    }
    assertEquals(PoissonBootstrap.weight(12345L, 7), PoissonBootstrap.weight(12345L, 7));
  }

  @Test
  void promoterModelEqualsNewtonRaphsonAndMllibOnStandardizedDrivers() {
    List<Row> facts = facts(1500, 4);
    DriverImportance.Result result = compute(facts, settings("importance.bootstrap-replicates=0"));
    for (String region : new String[] {null, "north"}) {
      // Independent fit: complete cases without passives, drivers standardized by their sample SD
      // in the segment, logistic regression by Newton-Raphson (IRLS); and MLlib's on the same rows.
      List<double[]> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (Row r : facts) {
        int nps = r.getInt(2);
        boolean inSegment = region == null || region.equals(r.get(1));
        if (inSegment && r.getBoolean(9) && !r.isNullAt(7) && (nps <= 6 || nps >= 9)) {
          double[] v = new double[DRIVERS.size()];
          for (int j = 0; j < v.length; j++) {
            v[j] = ((Number) r.get(FACTS.fieldIndex(DRIVERS.get(j)))).doubleValue();
          }
          x.add(v);
          y.add(nps >= 9 ? 1.0 : 0.0);
        }
      }
      int p = DRIVERS.size();
      int n = x.size();
      double[][] z = new double[n][p + 1];
      List<Row> standardized = new ArrayList<>();
      for (int j = 0; j < p; j++) {
        final int column = j;
        double mean = x.stream().mapToDouble(v -> v[column]).average().orElseThrow();
        double sd = Math.sqrt(x.stream().mapToDouble(v -> (v[column] - mean) * (v[column] - mean)).sum() / (n - 1));
        for (int i = 0; i < n; i++) {
          z[i][0] = 1;
          z[i][j + 1] = (x.get(i)[j] - mean) / sd;
        }
      }
      for (int i = 0; i < n; i++) {
        Object[] values = new Object[p + 1];
        values[0] = y.get(i);
        for (int j = 0; j < p; j++) {
          values[j + 1] = z[i][j + 1];
        }
        standardized.add(RowFactory.create(values));
      }
      double[] beta = new double[p + 1];
      for (int iteration = 0; iteration < 30; iteration++) {
        double[][] hessian = new double[p + 1][p + 1];
        double[] gradient = new double[p + 1];
        for (int i = 0; i < n; i++) {
          double eta = 0;
          for (int a = 0; a <= p; a++) {
            eta += beta[a] * z[i][a];
          }
          double mu = 1 / (1 + Math.exp(-eta));
          for (int a = 0; a <= p; a++) {
            gradient[a] += (y.get(i) - mu) * z[i][a];
            for (int b = 0; b <= p; b++) {
              hessian[a][b] += mu * (1 - mu) * z[i][a] * z[i][b];
            }
          }
        }
        double[] step = new org.apache.commons.math3.linear.LUDecomposition(
            org.apache.commons.math3.linear.MatrixUtils.createRealMatrix(hessian)).getSolver()
            .solve(org.apache.commons.math3.linear.MatrixUtils.createRealVector(gradient)).toArray();
        for (int a = 0; a <= p; a++) {
          beta[a] += step[a];
        }
      }
      StructType schema = new StructType().add("y", DataTypes.DoubleType);
      for (String d : DRIVERS) {
        schema = schema.add(d, DataTypes.DoubleType);
      }
      LogisticRegressionModel mllib = new LogisticRegression().setLabelCol("y").setFeaturesCol("f").setRegParam(0)
          .setStandardization(false).setMaxIter(500).setTol(1e-12)
          .fit(new VectorAssembler().setInputCols(DRIVERS.toArray(String[]::new)).setOutputCol("f")
              .transform(SharedSpark.spark().createDataFrame(standardized, schema)));
      List<Row> segment = region == null ? rows(result, "overall", null, "nps") : rows(result, "region", region, "nps");
      for (int j = 0; j < p; j++) {
        Row row = driver(segment, DRIVERS.get(j));
        String what = (region == null ? "overall " : region + " ") + DRIVERS.get(j);
        assertEquals((long) n, row.<Long>getAs("logit_n"), what);
        assertEquals(beta[j + 1], row.<Double>getAs("logit_coefficient"), 1e-9, what);
        assertEquals(mllib.coefficients().apply(j), row.<Double>getAs("logit_coefficient"), 1e-5, what);
        assertEquals(Math.exp(beta[j + 1]), row.<Double>getAs("odds_ratio"), 1e-9, what);
      }
    }
    assertTrue(result.warnings().stream().noneMatch(w -> w.contains("did not converge")), result.warnings()::toString);
  }

  @Test
  void aDriverThatSeparatesPromotersFromDetractorsLeavesNoOddsRatioAndAWarning() {
    List<Row> facts = new ArrayList<>();
    Random random = new Random(6);
    for (int i = 0; i < 400; i++) {
      // visits below 200: detractors; 200 and above: promoters (a perfect separation)
      int nps = i < 200 ? random.nextInt(7) : 9 + random.nextInt(2);
      facts.add(RowFactory.create("r" + i, i % 2 == 0 ? "north" : "south", nps, 1 + random.nextInt(5),
          50 + 10 * random.nextGaussian(), 1 + random.nextInt(7), (double) i, 500 + 100 * random.nextGaussian(),
          random.nextDouble(), true));
    }
    DriverImportance.Result result =
        compute(facts, settings("importance.bootstrap-replicates=0", "importance.levels=[]"));
    Row visits = driver(rows(result, "overall", null, "nps"), "visits");
    assertEquals(400L, visits.<Long>getAs("logit_n"));
    assertNull(visits.getAs("logit_coefficient"));
    assertNull(visits.getAs("odds_ratio"));
    assertNotNull(visits.getAs("importance"), "the correlation-based figures do not depend on the model");
    assertTrue(result.warnings().stream().anyMatch(w -> w.startsWith("driver_importance: segment overall (n=400):")
        && w.contains("did not converge")), result.warnings()::toString);
  }
}
