package io.satlake.drivers;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.satlake.drivers.MomentMatrix.Segment;
import io.satlake.testing.SharedSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class PoissonBootstrapTest {
  static final StructType SCHEMA = new StructType().add("response_id", DataTypes.StringType)
      .add("y", DataTypes.DoubleType).add("x", DataTypes.DoubleType).add("matched", DataTypes.BooleanType);

  /**
   * The group bootstrap's standard error of a Pearson r against the large-sample formula
   * SE(r) ≈ (1 − ρ²)/√n for bivariate normal data: with many rows per group (n = 6000, about 12
   * in each of the 512) and with fewer rows than groups (n = 300, the row bootstrap's regime).
   * Noise: 200 replicates ≈ 5% and 512 groups ≈ 3% on the SE; 25% is far outside it.
   */
  @Test
  void standardErrorOfACorrelationMatchesTheFormula() {
    double rho = 0.5;
    for (int n : new int[] {6000, 300}) {
      Random random = new Random(n);
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        double x = random.nextGaussian();
        double y = rho * x + Math.sqrt(1 - rho * rho) * random.nextGaussian();
        rows.add(RowFactory.create("r" + i, y, x, true));
      }
      MomentMatrix moments = new MomentMatrix(List.of("y"), List.of("x"), List.of());
      MomentMatrix.Sums sums = moments.aggregate(SharedSpark.spark().createDataFrame(rows, SCHEMA), col("matched"),
          PoissonBootstrap.group("response_id", 42), PoissonBootstrap.GROUPS);
      int replicates = 200;
      Map<Integer, double[]> replicateSums = new PoissonBootstrap(replicates, 42)
          .replicateSums(sums.byGroup().get(new Segment(MomentMatrix.OVERALL, "")));
      double sum = 0;
      double squares = 0;
      for (int b = 0; b < replicates; b++) {
        double r = moments.moments(moments.targetSums(replicateSums, 0, b * moments.packedSize()), 0)
            .correlation()[0][1];
        sum += r;
        squares += r * r;
      }
      double se = Math.sqrt((squares - sum * sum / replicates) / (replicates - 1));
      double expected = (1 - rho * rho) / Math.sqrt(n);
      assertEquals(expected, se, 0.25 * expected, "n = " + n);
    }
  }
}
