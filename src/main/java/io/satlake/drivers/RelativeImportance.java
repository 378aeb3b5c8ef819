package io.satlake.drivers;

import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Relative importance of p drivers for one target, from their correlation matrix (DESIGN §5):
 * R² and standardized betas of the full linear model, the Shapley (LMG) decomposition of R², and
 * Johnson's relative weights. Pure Java on a (p + 1)² matrix, target first.
 *
 * <ul>
 *   <li>R²(S) = r_Sᵀ R_SS⁻¹ r_S for a driver subset S, via the sweep operator: one sweep per
 *       added driver, the subsets enumerated depth-first so each costs O(p²), not O(p³).
 *   <li>Shapley: φⱼ = Σ_{S ⊆ P∖{j}} |S|!(p − |S| − 1)!/p! · (R²(S ∪ {j}) − R²(S)); Σφⱼ = R².
 *   <li>Betas β = R_xx⁻¹ r_xy, R² = r_xyᵀ β.
 *   <li>Relative weights: R_xx = VΛVᵀ, Λ* = VΛ^½Vᵀ, β* = Λ*⁻¹ r_xy, εⱼ = Σₖ Λ*ⱼₖ² β*ₖ²; Σε = R².
 *   <li>Condition number of R_xx: largest / smallest eigenvalue.
 * </ul>
 */
public final class RelativeImportance {
  /** Exact Shapley values over all 2^p subsets up to this many drivers; above, relative weights. */
  public static final int MAX_EXACT_DRIVERS = 15;
  public static final String SHAPLEY = "shapley";
  public static final String RELATIVE_WEIGHTS = "relative_weights";
  /** A pivot (residual variance of a correlation-scaled driver) below this is collinear. */
  private static final double PIVOT_TOLERANCE = 1e-12;
  /** Eigenvalues below this share of the largest make R_xx singular: betas are undefined. */
  private static final double SINGULAR = 1e-12;

  private RelativeImportance() {}

  /**
   * @param method {@link #SHAPLEY} or {@link #RELATIVE_WEIGHTS}: which of the two is the importance
   * @param shapley Shapley values (parts of R²), null above {@link #MAX_EXACT_DRIVERS} drivers
   * @param beta standardized betas, null when R_xx is singular
   * @param relativeWeights raw relative weights (parts of R²), null when R_xx is singular
   */
  public record Fit(String method, double r2, double conditionNumber, double[] beta, double[] shapley,
      double[] relativeWeights) {

    /** Each driver's share of R² by the method; NaN when R² is 0. */
    public double[] importance() {
      return shares(SHAPLEY.equals(method) ? shapley : relativeWeights, r2);
    }

    public double[] relativeWeightShares() {
      return shares(relativeWeights, r2);
    }
  }

  public static String method(int drivers) {
    return drivers <= MAX_EXACT_DRIVERS ? SHAPLEY : RELATIVE_WEIGHTS;
  }

  /** Everything, from the correlation matrix of [target, drivers...]. */
  public static Fit fit(double[][] correlation) {
    int p = correlation.length - 1;
    RealMatrix rxx = MatrixUtils.createRealMatrix(p, p);
    double[] rxy = new double[p];
    for (int i = 0; i < p; i++) {
      rxy[i] = correlation[i + 1][0];
      for (int j = 0; j < p; j++) {
        rxx.setEntry(i, j, correlation[i + 1][j + 1]);
      }
    }
    EigenDecomposition eigen = new EigenDecomposition(rxx);
    double[] lambda = eigen.getRealEigenvalues();
    double largest = Double.NEGATIVE_INFINITY;
    double smallest = Double.POSITIVE_INFINITY;
    for (double l : lambda) {
      largest = Math.max(largest, l);
      smallest = Math.min(smallest, l);
    }
    boolean singular = !(smallest > SINGULAR * largest);
    double conditionNumber = singular ? Double.POSITIVE_INFINITY : largest / smallest;
    double[] beta = null;
    double[] weights = null;
    if (!singular) {
      RealMatrix v = eigen.getV();
      double[] vtr = v.transpose().operate(rxy);
      beta = new double[p];
      double[] betaStar = new double[p];
      double[][] lambdaStar = new double[p][p];
      for (int i = 0; i < p; i++) {
        for (int k = 0; k < p; k++) {
          beta[i] += v.getEntry(i, k) * vtr[k] / lambda[k];
          betaStar[i] += v.getEntry(i, k) * vtr[k] / Math.sqrt(lambda[k]);
          for (int j = 0; j < p; j++) {
            lambdaStar[i][j] += v.getEntry(i, k) * Math.sqrt(lambda[k]) * v.getEntry(j, k);
          }
        }
      }
      weights = new double[p];
      for (int j = 0; j < p; j++) {
        for (int k = 0; k < p; k++) {
          weights[j] += lambdaStar[j][k] * lambdaStar[j][k] * betaStar[k] * betaStar[k];
        }
      }
    }
    String method = method(p);
    double[] shapley = SHAPLEY.equals(method) ? shapley(subsetR2(correlation)) : null;
    return new Fit(method, fullR2(correlation), conditionNumber, beta, shapley, weights);
  }

  /**
   * Just the importance shares (by {@link #method}), for bootstrap replicates; null when they
   * are undefined (singular R_xx under relative weights, or R² = 0).
   */
  public static double[] importance(double[][] correlation) {
    int p = correlation.length - 1;
    if (SHAPLEY.equals(method(p))) {
      double[] r2 = subsetR2(correlation);
      double[] shares = shares(shapley(r2), r2[r2.length - 1]);
      return Double.isNaN(shares[0]) ? null : shares;
    }
    Fit fit = fit(correlation);
    return fit.relativeWeights() == null || !(fit.r2() > 0) ? null : fit.importance();
  }

  private static double[] shares(double[] parts, double r2) {
    if (parts == null) {
      return null;
    }
    double[] shares = new double[parts.length];
    for (int j = 0; j < parts.length; j++) {
      shares[j] = r2 > 0 ? parts[j] / r2 : Double.NaN;
    }
    return shares;
  }

  /** R² of the model with all drivers (one sweep per driver). */
  static double fullR2(double[][] correlation) {
    double[][] a = copy(correlation);
    for (int k = 1; k < a.length; k++) {
      sweep(a, k);
    }
    return 1 - a[0][0];
  }

  /** R²(S) for every driver subset S, indexed by its bit mask (bit j = driver j). */
  static double[] subsetR2(double[][] correlation) {
    int p = correlation.length - 1;
    double[] r2 = new double[1 << p];
    double[][][] stack = new double[p + 1][][];
    stack[0] = copy(correlation);
    for (int d = 1; d <= p; d++) {
      stack[d] = new double[p + 1][p + 1];
    }
    addDrivers(stack, 0, 0, 0, r2);
    return r2;
  }

  /** Depth-first: each child subset adds one driver above the parent's highest by one sweep. */
  private static void addDrivers(double[][][] stack, int depth, int mask, int from, double[] r2) {
    int p = stack[0].length - 1;
    for (int j = from; j < p; j++) {
      double[][] child = stack[depth + 1];
      double[][] parent = stack[depth];
      for (int i = 0; i <= p; i++) {
        System.arraycopy(parent[i], 0, child[i], 0, p + 1);
      }
      sweep(child, j + 1);
      int childMask = mask | (1 << j);
      r2[childMask] = 1 - child[0][0];
      addDrivers(stack, depth + 1, childMask, j + 1, r2);
    }
  }

  /**
   * Sweeps pivot k: the not-yet-swept block becomes its Schur complement (residual covariances
   * given the swept variables); a[0][0] is then 1 − R² of the target on them. The swept rows are
   * not needed afterwards and left stale. A collinear pivot adds nothing and is skipped.
   */
  private static void sweep(double[][] a, int k) {
    double d = a[k][k];
    if (!(d > PIVOT_TOLERANCE)) {
      return;
    }
    int size = a.length;
    double[] pivotRow = a[k];
    for (int i = 0; i < size; i++) {
      if (i == k) {
        continue;
      }
      double f = a[i][k] / d;
      if (f == 0) {
        continue;
      }
      double[] row = a[i];
      for (int j = 0; j < size; j++) {
        row[j] -= f * pivotRow[j];
      }
    }
  }

  /** Shapley values from the subset R² table. */
  static double[] shapley(double[] r2) {
    int p = Integer.numberOfTrailingZeros(r2.length);
    double[] weight = new double[p]; // |S|!(p - |S| - 1)!/p! for |S| = 0..p-1
    for (int s = 0; s < p; s++) {
      weight[s] = 1.0 / (p * binomial(p - 1, s));
    }
    double[] phi = new double[p];
    for (int mask = 0; mask < r2.length; mask++) {
      int size = Integer.bitCount(mask);
      if (size == p) {
        continue;
      }
      for (int j = 0; j < p; j++) {
        if ((mask & (1 << j)) == 0) {
          phi[j] += weight[size] * (r2[mask | (1 << j)] - r2[mask]);
        }
      }
    }
    return phi;
  }

  private static double binomial(int n, int k) {
    double b = 1;
    for (int i = 1; i <= k; i++) {
      b = b * (n - k + i) / i;
    }
    return b;
  }

  private static double[][] copy(double[][] m) {
    double[][] c = new double[m.length][];
    for (int i = 0; i < m.length; i++) {
      c[i] = m[i].clone();
    }
    return c;
  }
}
