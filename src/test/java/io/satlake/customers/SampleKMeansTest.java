package io.satlake.customers;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.testing.SharedSpark;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.evaluation.ClusteringEvaluator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The driver-side k-means: fits worked out by hand, its silhouette against MLlib's evaluator. */
class SampleKMeansTest {

  private static double[][] points(double... xs) {
    return Arrays.stream(xs).mapToObj(x -> new double[] {x}).toArray(double[][]::new);
  }

  private static double[][] sorted(double[][] centres) {
    double[][] copy = centres.clone();
    Arrays.sort(copy, Comparator.comparingDouble(c -> c[0]));
    return copy;
  }

  /** {0, 1} and {10, 11} whatever the start: from the worst one, {0} and {1, 10, 11} (mean 22/3), 1 moves over. */
  @Test
  void lloydIterationsReachTheMeansOfTheTwoGroups() {
    for (long seed = 0; seed < 20; seed++) {
      double[][] centres = sorted(SampleKMeans.fit(points(0, 1, 10, 11), 2, 20, seed));
      assertArrayEquals(new double[] {0.5}, centres[0], 1e-12, "seed " + seed);
      assertArrayEquals(new double[] {10.5}, centres[1], 1e-12, "seed " + seed);
    }
  }

  @Test
  void fewerDistinctPointsThanKGiveFewerCentres() {
    double[][] centres = sorted(SampleKMeans.fit(points(1, 1, 1, 5, 5), 3, 10, 7));
    assertEquals(2, centres.length);
    assertArrayEquals(new double[] {1}, centres[0], 0);
    assertArrayEquals(new double[] {5}, centres[1], 0);
  }

  /**
   * Converged (the iteration limit is far away), every centre is the mean of the points nearest to
   * it: the fixed point of Lloyd's algorithm, checked on 3 noisy groups in 2 dimensions.
   */
  @Test
  void aConvergedFitIsTheMeanOfItsPoints() {
    double[][] points = blobs(600, 11);
    double[][] centres = SampleKMeans.fit(points, 3, 1000, 3);
    double[][] sums = new double[3][2];
    int[] counts = new int[3];
    for (double[] p : points) {
      int c = SampleKMeans.nearest(centres, p);
      counts[c]++;
      sums[c][0] += p[0];
      sums[c][1] += p[1];
    }
    for (int c = 0; c < 3; c++) {
      assertTrue(counts[c] > 150, "cluster " + c + " holds " + counts[c]);
      assertArrayEquals(new double[] {sums[c][0] / counts[c], sums[c][1] / counts[c]}, centres[c],
          SampleKMeans.TOLERANCE);
    }
    assertArrayEquals(centres[0], SampleKMeans.fit(points, 3, 1000, 3)[0], 0, "same seed, same fit");
  }

  /**
   * 1-D points {0, 2} and {10} with centres 1 and 10: s(0) = 1 − 4/100, s(2) = 1 − 4/64 and the
   * lone point counts 0, so the mean is (0.96 + 0.9375 + 0) / 3.
   */
  @Test
  void silhouetteByHand() {
    double expected = (1 - 4.0 / 100 + 1 - 4.0 / 64) / 3;
    assertEquals(expected, SampleKMeans.silhouette(points(0, 2, 10), new double[][] {{1}, {10}}), 1e-15);
    assertTrue(Double.isNaN(SampleKMeans.silhouette(points(0, 2, 10), new double[][] {{1}, {100}})),
        "one occupied cluster has no silhouette");
  }

  @Test
  void silhouetteMatchesMllibsEvaluator() {
    double[][] points = blobs(300, 5);
    for (int k = 2; k <= 4; k++) {
      double[][] centres = SampleKMeans.fit(points, k, 10, 42);
      List<Row> rows = new ArrayList<>();
      for (double[] p : points) {
        rows.add(RowFactory.create(Vectors.dense(p), SampleKMeans.nearest(centres, p)));
      }
      StructType schema = new StructType().add("features", SQLDataTypes.VectorType())
          .add("prediction", DataTypes.IntegerType);
      double mllib = new ClusteringEvaluator().evaluate(SharedSpark.spark().createDataFrame(rows, schema));
      assertEquals(mllib, SampleKMeans.silhouette(points, centres), 1e-9, "k=" + k);
    }
  }

  /**
   * The Spark expression picks the same centre as the driver, the first one on a tie. Squared
   * distances by hand to (0,0), (2,0), (1,5): (1,0) 1, 1, 25 (tie: 0); (−3,1) 10, 26, 32;
   * (2.2,−1) 5.84, 1.04, 37.44; (1,3) 10, 10, 4; (−2,3) 13, 25, 13 (tie: 0); (0.9,2.6) 7.57, 7.97, 5.77.
   */
  @Test
  void theColumnAssignsAsTheDriverDoes() {
    double[][] centres = {{0, 0}, {2, 0}, {1, 5}};
    double[][] points = {{1, 0}, {-3, 1}, {2.2, -1}, {1, 3}, {-2, 3}, {0.9, 2.6}};
    List<Row> rows = new ArrayList<>();
    for (double[] p : points) {
      rows.add(RowFactory.create(p[0], p[1]));
    }
    Dataset<Row> frame = SharedSpark.spark().createDataFrame(rows,
        new StructType().add("x", DataTypes.DoubleType).add("y", DataTypes.DoubleType));
    List<Column> features = List.of(col("x"), col("y"));
    List<Row> assigned = frame.select(col("x"), col("y"), SampleKMeans.nearestColumn(features, centres))
        .collectAsList();
    int[] expected = {0, 0, 1, 2, 0, 2};
    for (int i = 0; i < points.length; i++) {
      Row r = assigned.get(i);
      assertEquals(SampleKMeans.nearest(centres, new double[] {r.getDouble(0), r.getDouble(1)}), r.getInt(2));
      assertEquals(expected[i], r.getInt(2), "point " + i);
    }
  }

  /** n points around (0,0), (6,0) and (0,6), Gaussian noise of sd 1. */
  private static double[][] blobs(int n, long seed) {
    Random random = new Random(seed);
    double[][] centres = {{0, 0}, {6, 0}, {0, 6}};
    double[][] points = new double[n][];
    for (int i = 0; i < n; i++) {
      double[] c = centres[i % 3];
      points[i] = new double[] {c[0] + random.nextGaussian(), c[1] + random.nextGaussian()};
    }
    return points;
  }
}
