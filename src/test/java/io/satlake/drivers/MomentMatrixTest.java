package io.satlake.drivers;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.drivers.MomentMatrix.Segment;
import io.satlake.testing.SharedSpark;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class MomentMatrixTest {
  static final StructType SCHEMA = new StructType().add("response_id", DataTypes.StringType)
      .add("region", DataTypes.StringType).add("tier", DataTypes.StringType).add("nps", DataTypes.IntegerType)
      .add("csat", DataTypes.IntegerType).add("visits", DataTypes.DoubleType).add("matched", DataTypes.BooleanType);

  /** Targets nps (variable 0) and csat (1), driver visits (2); levels region and tier. */
  static final MomentMatrix MOMENTS = new MomentMatrix(List.of("nps", "csat"), List.of("visits"),
      List.of("region", "tier"));

  static Dataset<Row> facts() {
    return SharedSpark.spark().createDataFrame(List.of(
        RowFactory.create("r1", "north", "gold", 9, 5, 2.0, true),
        RowFactory.create("r2", "north", "silver", 7, null, 4.0, true),
        RowFactory.create("r3", "south", "gold", 3, 2, 1.0, true),
        RowFactory.create("r4", "north", "gold", 10, 4, 3.0, true),
        RowFactory.create("r5", "north", "silver", 8, 3, null, true), // no driver: not a complete case
        RowFactory.create("r6", "north", "gold", 6, 1, 5.0, false), // not eligible
        RowFactory.create("r7", "south", "silver", null, null, 6.0, true)), // no target
        SCHEMA);
  }

  @Test
  void levelSegmentsAreRolledUpFromTheFinestGrain() {
    MomentMatrix.Sums sums = MOMENTS.aggregate(facts(), col("matched"),
        PoissonBootstrap.group("response_id", 42), PoissonBootstrap.GROUPS);
    assertEquals(Set.of(new Segment("overall", ""), new Segment("region", "north"), new Segment("region", "south"),
        new Segment("tier", "gold"), new Segment("tier", "silver")), sums.byPattern().keySet());

    // region=north: r1, r4 carry nps and csat, r2 nps only.
    // nps: n = 3, Σnps = 9 + 7 + 10 = 26, Σvisits = 2 + 4 + 3 = 9, Σnps·visits = 18 + 28 + 30 = 76,
    // so mean nps 26/3, mean visits 3, cov = 76/3 - 26/3·3 = -2/3.
    Segment north = new Segment("region", "north");
    double[] nps = MOMENTS.targetSums(sums.byPattern().get(north), 0, 0);
    assertEquals(3, nps[0]);
    assertEquals(26, nps[1], 1e-12);
    assertEquals(9, nps[3], 1e-12);
    MomentMatrix.Moments m = MOMENTS.moments(nps, 0);
    assertEquals(-2.0 / 3, m.covariance()[0][1], 1e-12);
    // csat: r1, r4: n = 2, Σcsat = 9, Σvisits = 5.
    double[] csat = MOMENTS.targetSums(sums.byPattern().get(north), 1, 0);
    assertEquals(2, csat[0]);
    assertEquals(9, csat[2], 1e-12);
    assertEquals(5, csat[3], 1e-12);
    assertArrayEquals(new double[] {2}, sums.driverRange().get(north)[0]);
    assertArrayEquals(new double[] {4}, sums.driverRange().get(north)[1]);

    // tier=gold adds rows across regions: r1, r3, r4: n = 3, Σnps = 22, Σvisits = 6.
    double[] gold = MOMENTS.targetSums(sums.byPattern().get(new Segment("tier", "gold")), 0, 0);
    assertEquals(3, gold[0]);
    assertEquals(22, gold[1], 1e-12);
    assertEquals(6, gold[3], 1e-12);
    // overall: r1..r4: n = 4, Σnps = 29, Σvisits = 10, visits in [1, 4]; tier=silver: r2 alone.
    Segment overall = new Segment("overall", "");
    double[] all = MOMENTS.targetSums(sums.byPattern().get(overall), 0, 0);
    assertEquals(4, all[0]);
    assertEquals(29, all[1], 1e-12);
    assertEquals(10, all[3], 1e-12);
    assertArrayEquals(new double[] {1}, sums.driverRange().get(overall)[0]);
    assertArrayEquals(new double[] {4}, sums.driverRange().get(overall)[1]);
    assertEquals(1, MOMENTS.targetSums(sums.byPattern().get(new Segment("tier", "silver")), 0, 0)[0]);

    // The groups partition the rows: their sums add up to the segment's (4 rows, 4 groups at most).
    double[][] groups = sums.byGroup().get(overall).get(3); // pattern nps + csat: r1, r3, r4
    double n = 0;
    for (double[] g : groups) {
      n += g == null ? 0 : g[0];
    }
    assertEquals(3, n);
  }

  /** Target y (variable 0) and driver x (1), no levels: packed sums [n, Σy, Σx, Σyy, Σyx, Σxx]. */
  private static final MomentMatrix PAIR = new MomentMatrix(List.of("y"), List.of("x"), List.of());

  @Test
  void aConstantDriverIsConstantWhateverTheResidueOfItsSums() {
    // A million rows of x = 7.3 beside a varying y, summed one by one: Σx² − (Σx)²/n does not
    // cancel, and the residue is 2e-11 of x² (a fixed relative tolerance of 1e-12 took it for a
    // variance). x does not vary, so its variance is 0 and its correlations undefined.
    int n = 1_000_000;
    double[] sums = new double[PAIR.packedSize()];
    sums[0] = n;
    for (int i = 0; i < n; i++) {
      double y = i % 11;
      double x = 7.3;
      sums[1] += y;
      sums[2] += x;
      sums[3] += y * y;
      sums[4] += y * x;
      sums[5] += x * x;
    }
    double mean = sums[2] / n;
    // The precondition this test exists for: the one-pass variance is well above 1e-12 of x².
    assertTrue((sums[5] / n - mean * mean) / (sums[5] / n) > 1e-11);
    MomentMatrix.Moments m = PAIR.moments(sums, 0);
    assertTrue(m.hasConstant());
    assertEquals(0.0, m.covariance()[1][1], 0.0);
  }

  @Test
  void aDriverVaryingByHalfAroundAMillionIsNotConstant() {
    // x = 1e6 ∓ 0.5, y = 1, 2, 3, 4: Σx = 4e6, Σx² = 4·(1e12 + 0.25) = 4e12 + 1, both exact, so
    // var x = 0.25 exactly, var y = 1.25, cov = (0.75 − 0.25 − 0.25 + 0.75)/4 = 0.25 and
    // r = 0.25/√(0.25·1.25) = 1/√5. The variance is 2.5e-13 of x², below a fixed relative
    // tolerance of 1e-12 but far above the sums' rounding (4·2⁻⁵³·n·Σx² = 0.014 against
    // n·var = 1).
    double[] x = {1e6 - 0.5, 1e6 + 0.5, 1e6 - 0.5, 1e6 + 0.5};
    double[] sums = new double[PAIR.packedSize()];
    sums[0] = x.length;
    for (int i = 0; i < x.length; i++) {
      double y = i + 1;
      sums[1] += y;
      sums[2] += x[i];
      sums[3] += y * y;
      sums[4] += y * x[i];
      sums[5] += x[i] * x[i];
    }
    MomentMatrix.Moments m = PAIR.moments(sums, 0);
    assertFalse(m.hasConstant());
    assertEquals(0.25, m.covariance()[1][1], 0.0);
    assertEquals(1 / Math.sqrt(5), m.correlation()[0][1], 1e-9);
  }
}
