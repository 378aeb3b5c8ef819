package io.satlake.customers;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_min;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.lit;

import io.satlake.metrics.Stats;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Column;

/**
 * k-means on an in-memory sample (the customers' z-scores, a few columns, sample-size points):
 * greedy k-means++ starts, then Lloyd iterations. The work is a few milliseconds per k; in Spark each
 * iteration and each silhouette was a job of its own, about 110 one-task jobs per run whose
 * planning and scheduling cost seconds.
 */
final class SampleKMeans {
  /** Centres that moved less than this (in standard deviations) count as converged. */
  static final double TOLERANCE = 1e-4;
  /** Fits from different starts; the one with the least within-cluster sum of squares is kept. */
  static final int STARTS = 4;

  private SampleKMeans() {}

  /**
   * The best (least within-cluster sum of squares) of {@value #STARTS} runs, each of at most
   * {@code maxIterations} Lloyd iterations from a greedy k-means++ start; the random draws come
   * from {@code seed}, so the same points give the same centres. Fewer than k centres when the
   * points have fewer than k distinct values.
   */
  static double[][] fit(double[][] points, int k, int maxIterations, long seed) {
    Random random = new Random(seed);
    double[][] best = null;
    double bestCost = Double.POSITIVE_INFINITY;
    for (int start = 0; start < STARTS; start++) {
      double[][] centres = lloyd(points, greedyKMeansPlusPlus(points, k, random), maxIterations);
      double cost = 0;
      for (double[] p : points) {
        cost += squaredDistance(p, centres[nearest(centres, p)]);
      }
      if (cost < bestCost) {
        best = centres;
        bestCost = cost;
      }
    }
    return best;
  }

  private static double[][] lloyd(double[][] points, double[][] centres, int maxIterations) {
    int d = points[0].length;
    for (int iteration = 0; iteration < maxIterations; iteration++) {
      double[][] sums = new double[centres.length][d];
      long[] counts = new long[centres.length];
      for (double[] p : points) {
        int c = nearest(centres, p);
        counts[c]++;
        for (int i = 0; i < d; i++) {
          sums[c][i] += p[i];
        }
      }
      boolean moved = false;
      for (int c = 0; c < centres.length; c++) {
        if (counts[c] == 0) {
          continue; // an empty cluster keeps its centre
        }
        for (int i = 0; i < d; i++) {
          sums[c][i] /= counts[c];
        }
        moved |= squaredDistance(sums[c], centres[c]) > TOLERANCE * TOLERANCE;
        centres[c] = sums[c];
      }
      if (!moved) {
        break;
      }
    }
    return centres;
  }

  /**
   * k-means++ (Arthur and Vassilvitskii): the first centre uniform, each next one drawn with
   * probability proportional to D², the squared distance to the nearest centre so far. Greedy:
   * of 2 + ln k such draws, the one that leaves the smallest sum of D² (as scikit-learn does;
   * a single draw now and then puts two centres in one group).
   */
  private static double[][] greedyKMeansPlusPlus(double[][] points, int k, Random random) {
    int candidates = 2 + (int) Math.log(k);
    List<double[]> centres = new ArrayList<>();
    centres.add(points[random.nextInt(points.length)]);
    double[] distance = new double[points.length];
    double total = 0;
    for (int p = 0; p < points.length; p++) {
      distance[p] = squaredDistance(points[p], centres.get(0));
      total += distance[p];
    }
    while (centres.size() < k) {
      if (total == 0) {
        break; // every point is already a centre
      }
      double[] chosen = null;
      double[] chosenDistance = null;
      double chosenTotal = Double.POSITIVE_INFINITY;
      for (int draw = 0; draw < candidates; draw++) {
        double[] candidate = points[drawByWeight(distance, random.nextDouble() * total)];
        double[] updated = new double[points.length];
        double updatedTotal = 0;
        for (int p = 0; p < points.length; p++) {
          updated[p] = Math.min(distance[p], squaredDistance(points[p], candidate));
          updatedTotal += updated[p];
        }
        if (updatedTotal < chosenTotal) {
          chosen = candidate;
          chosenDistance = updated;
          chosenTotal = updatedTotal;
        }
      }
      centres.add(chosen);
      distance = chosenDistance;
      total = chosenTotal;
    }
    return centres.stream().map(double[]::clone).toArray(double[][]::new);
  }

  /** The index where the running sum of the weights first exceeds target (the last positive one if rounding runs past the end). */
  private static int drawByWeight(double[] weights, double target) {
    int chosen = -1;
    double cumulative = 0;
    for (int p = 0; p < weights.length; p++) {
      if (weights[p] > 0) {
        chosen = p;
        cumulative += weights[p];
        if (cumulative > target) {
          break;
        }
      }
    }
    return chosen;
  }

  /** Index of the nearest centre; the first one on ties (as {@link #nearestColumn}). */
  static int nearest(double[][] centres, double[] point) {
    int best = 0;
    double bestDistance = squaredDistance(point, centres[0]);
    for (int c = 1; c < centres.length; c++) {
      double distance = squaredDistance(point, centres[c]);
      if (distance < bestDistance) {
        best = c;
        bestDistance = distance;
      }
    }
    return best;
  }

  /**
   * The same choice as {@link #nearest} as a Spark expression over the feature columns (0-based
   * index; the sums are formed in the same order, so sample points get the same centre).
   */
  static Column nearestColumn(List<Column> features, double[][] centres) {
    Column[] distances = new Column[centres.length];
    for (int c = 0; c < centres.length; c++) {
      Column sum = null;
      for (int i = 0; i < features.size(); i++) {
        Column diff = features.get(i).minus(lit(centres[c][i]));
        sum = sum == null ? diff.multiply(diff) : sum.plus(diff.multiply(diff));
      }
      distances[c] = sum;
    }
    Column all = array(distances);
    return array_position(all, array_min(all)).minus(1).cast("int");
  }

  /**
   * Mean silhouette with squared Euclidean distance, as MLlib's {@code ClusteringEvaluator}
   * defines it: a = mean distance to the other points of the own cluster, b = the smallest mean
   * distance to the points of another cluster, s = (b − a) / max(a, b), 0 in a cluster of one
   * point. NaN when fewer than two clusters have points.
   */
  static double silhouette(double[][] points, double[][] centres) {
    int d = points[0].length;
    int[] cluster = new int[points.length];
    long[] size = new long[centres.length];
    double[][] sum = new double[centres.length][d];
    double[] squaredNormSum = new double[centres.length];
    for (int p = 0; p < points.length; p++) {
      int c = nearest(centres, points[p]);
      cluster[p] = c;
      size[c]++;
      for (int i = 0; i < d; i++) {
        sum[c][i] += points[p][i];
      }
      squaredNormSum[c] += Stats.dot(points[p], points[p]);
    }
    List<Integer> occupied = new ArrayList<>();
    for (int c = 0; c < centres.length; c++) {
      if (size[c] > 0) {
        occupied.add(c);
      }
    }
    if (occupied.size() < 2) {
      return Double.NaN;
    }
    double total = 0;
    for (int p = 0; p < points.length; p++) {
      int own = cluster[p];
      if (size[own] == 1) {
        continue; // s = 0
      }
      // mean squared distance to a cluster's points, from its sums: |x|² + Σ|y|²/n − 2 x·Σy/n
      double norm = Stats.dot(points[p], points[p]);
      double b = Double.POSITIVE_INFINITY;
      double a = 0;
      for (int c : occupied) {
        double mean = norm + squaredNormSum[c] / size[c] - 2 * Stats.dot(points[p], sum[c]) / size[c];
        if (c == own) {
          a = mean * size[c] / (size[c] - 1); // the point's zero distance to itself left out
        } else {
          b = Math.min(b, mean);
        }
      }
      total += a < b ? 1 - a / b : a > b ? b / a - 1 : 0;
    }
    return total / points.length;
  }

  private static double squaredDistance(double[] x, double[] y) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      double diff = x[i] - y[i];
      sum += diff * diff;
    }
    return sum;
  }
}
