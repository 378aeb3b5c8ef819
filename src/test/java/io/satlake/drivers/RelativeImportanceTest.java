package io.satlake.drivers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.satlake.testing.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.Test;

class RelativeImportanceTest {

  /**
   * Drivers x1, x2 correlated 0.5, x3 uncorrelated with both; correlations with the target
   * 0.6, 0.4, 0.3. By hand:
   * R²(1) = .36, R²(2) = .16, R²(3) = .09;
   * R²(1,2) = (r1² + r2² − 2 r1 r2 ρ)/(1 − ρ²) = (.36 + .16 − .24)/.75 = 28/75;
   * x3 is orthogonal, so R²(1,3) = .45, R²(2,3) = .25, R²(1,2,3) = 28/75 + .09 = 139/300.
   * Betas: (β1, β2) = [r1 − ρ r2, r2 − ρ r1]/(1 − ρ²) = [.4, .1]/.75 = (8/15, 2/15); β3 = .3.
   * Shapley, p = 3 (weights 1/3 for |S| = 0 and 2, 1/6 for |S| = 1):
   * φ1 = .36/3 + (28/75 − .16)/6 + (.45 − .09)/6 + (139/300 − .25)/3 = 43/150,
   * φ2 = .16/3 + (28/75 − .36)/6 + (.25 − .09)/6 + (139/300 − .45)/3 = 13/150,
   * φ3 = .09/3 + (.45 − .36)/6 + (.25 − .16)/6 + (139/300 − 28/75)/3 = .09; sum 139/300 = R².
   * Relative weights: the x1,x2 block has eigenvalues 1.5 and .5 on (1, ±1)/√2, so
   * Λ* = [[a, b], [b, a]] with a = (√1.5 + √.5)/2 = cos 15°, b = (√1.5 − √.5)/2 = sin 15°,
   * det = a² − b² = cos 30°; β* = Λ*⁻¹ r = [(a r1 − b r2), (a r2 − b r1)]/cos 30°, β*3 = .3;
   * ε1 = a² β*1² + b² β*2², ε2 = b² β*1² + a² β*2², ε3 = .09. Condition number 1.5/.5 = 3.
   */
  @Test
  void threeDriverCaseWorkedByHand() {
    double[][] correlation = {
        {1.0, 0.6, 0.4, 0.3},
        {0.6, 1.0, 0.5, 0.0},
        {0.4, 0.5, 1.0, 0.0},
        {0.3, 0.0, 0.0, 1.0}};
    RelativeImportance.Fit fit = RelativeImportance.fit(correlation);
    double r2 = 139.0 / 300;
    assertEquals(RelativeImportance.SHAPLEY, fit.method());
    assertEquals(r2, fit.r2(), 1e-12);
    assertArrayEquals(new double[] {8.0 / 15, 2.0 / 15, 0.3}, fit.beta(), 1e-12);
    assertArrayEquals(new double[] {43.0 / 150, 13.0 / 150, 0.09}, fit.shapley(), 1e-12);
    assertArrayEquals(new double[] {43.0 / 150 / r2, 13.0 / 150 / r2, 0.09 / r2}, fit.importance(), 1e-12);
    double a = Math.cos(Math.PI / 12);
    double b = Math.sin(Math.PI / 12);
    double star1 = (a * 0.6 - b * 0.4) / Math.cos(Math.PI / 6);
    double star2 = (a * 0.4 - b * 0.6) / Math.cos(Math.PI / 6);
    double[] weights = {a * a * star1 * star1 + b * b * star2 * star2, b * b * star1 * star1 + a * a * star2 * star2,
        0.09};
    assertArrayEquals(weights, fit.relativeWeights(), 1e-12);
    assertEquals(r2, weights[0] + weights[1] + weights[2], 1e-12);
    assertEquals(3.0, fit.conditionNumber(), 1e-12);
    double[] subsets = RelativeImportance.subsetR2(correlation);
    assertArrayEquals(new double[] {0, .36, .16, 28.0 / 75, .09, .45, .25, r2}, subsets, 1e-12);
  }

  @Test
  void subsetFormulaEqualsAverageMarginalR2OverAllOrderings() {
    Random random = new Random(5);
    int p = 5;
    double[][] data = new double[p + 1][400];
    for (int i = 0; i < 400; i++) {
      double common = random.nextGaussian();
      for (int j = 1; j <= p; j++) {
        data[j][i] = (j % 2 == 0 ? common : 0.3 * common) + random.nextGaussian();
      }
      data[0][i] = 0.5 * data[1][i] - 0.3 * data[2][i] + 0.2 * data[4][i] + random.nextGaussian();
    }
    double[][] correlation = new double[p + 1][p + 1];
    for (int a = 0; a <= p; a++) {
      for (int b = 0; b <= p; b++) {
        correlation[a][b] = Reference.pearson(data[a], data[b]);
      }
    }
    // The permutation definition: each driver's R² gain when it enters, averaged over all p! orders,
    // with R²(S) = r_S' R_SS^-1 r_S solved by LU decomposition.
    double[] expected = new double[p];
    List<int[]> orders = permutations(p);
    for (int[] order : orders) {
      List<Integer> entered = new ArrayList<>();
      double before = 0;
      for (int driver : order) {
        entered.add(driver);
        double after = r2ByLu(correlation, entered);
        expected[driver] += (after - before) / orders.size();
        before = after;
      }
    }
    RelativeImportance.Fit fit = RelativeImportance.fit(correlation);
    assertEquals(120, orders.size());
    assertArrayEquals(expected, fit.shapley(), 1e-12);
    List<Integer> all = List.of(0, 1, 2, 3, 4);
    assertEquals(r2ByLu(correlation, all), fit.r2(), 1e-12);
    assertEquals(1.0, sum(fit.importance()), 1e-12);
    assertEquals(fit.r2(), sum(fit.relativeWeights()), 1e-12);
    assertEquals(1.0, sum(fit.relativeWeightShares()), 1e-12);
  }

  @Test
  void aboveFifteenDriversFallsBackToRelativeWeights() {
    Random random = new Random(9);
    int p = 16;
    double[][] data = new double[p + 1][300];
    for (int i = 0; i < 300; i++) {
      double target = 0;
      for (int j = 1; j <= p; j++) {
        data[j][i] = random.nextGaussian();
        target += data[j][i] / j;
      }
      data[0][i] = target + random.nextGaussian();
    }
    double[][] correlation = new double[p + 1][p + 1];
    for (int a = 0; a <= p; a++) {
      for (int b = 0; b <= p; b++) {
        correlation[a][b] = Reference.pearson(data[a], data[b]);
      }
    }
    RelativeImportance.Fit fit = RelativeImportance.fit(correlation);
    assertEquals(RelativeImportance.RELATIVE_WEIGHTS, fit.method());
    assertNull(fit.shapley());
    assertArrayEquals(fit.relativeWeightShares(), fit.importance(), 0);
    assertEquals(1.0, sum(fit.importance()), 1e-12);
    List<Integer> all = new ArrayList<>();
    for (int j = 0; j < p; j++) {
      all.add(j);
    }
    assertEquals(r2ByLu(correlation, all), fit.r2(), 1e-12);
  }

  private static double r2ByLu(double[][] correlation, List<Integer> drivers) {
    int k = drivers.size();
    RealMatrix rss = MatrixUtils.createRealMatrix(k, k);
    double[] rs = new double[k];
    for (int a = 0; a < k; a++) {
      rs[a] = correlation[drivers.get(a) + 1][0];
      for (int b = 0; b < k; b++) {
        rss.setEntry(a, b, correlation[drivers.get(a) + 1][drivers.get(b) + 1]);
      }
    }
    double[] solved = new LUDecomposition(rss).getSolver().solve(MatrixUtils.createRealVector(rs)).toArray();
    double r2 = 0;
    for (int a = 0; a < k; a++) {
      r2 += rs[a] * solved[a];
    }
    return r2;
  }

  private static List<int[]> permutations(int p) {
    List<int[]> out = new ArrayList<>();
    permute(new int[p], new boolean[p], 0, out);
    return out;
  }

  private static void permute(int[] current, boolean[] used, int depth, List<int[]> out) {
    if (depth == current.length) {
      out.add(current.clone());
      return;
    }
    for (int i = 0; i < current.length; i++) {
      if (!used[i]) {
        used[i] = true;
        current[depth] = i;
        permute(current, used, depth + 1, out);
        used[i] = false;
      }
    }
  }

  private static double sum(double[] values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return s;
  }
}
