package io.satlake.drivers;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
