package io.satlake.trends;

import io.satlake.SatlakeException;
import io.satlake.config.Settings;
import io.satlake.config.Settings.DateRange;
import io.satlake.metrics.Metric;
import io.satlake.metrics.ScoreState;
import io.satlake.metrics.ScoreStates;
import java.time.LocalDate;
import java.util.List;

/**
 * What trends, targets, benchmarks and alerts share for one run: the states, the metrics, and
 * the "current" figure of a segment. Current is the period holding the window's end (the run
 * date, usually); when that period's n is below min-n and trends.rolling-periods is set, the
 * trailing span ending with it is used instead, so small segments still get a figure.
 */
public final class Tracker {
  final ScoreStates states;
  final Settings settings;
  final LocalDate runDate;
  final DateRange window;
  final LocalDate currentPeriod;
  final List<Metric> metrics;

  /** @param window the resolved analysis window (a NULL start is taken from the first response) */
  public Tracker(ScoreStates states, Settings settings, LocalDate runDate, DateRange window) {
    this.states = states;
    this.settings = settings;
    this.runDate = runDate;
    this.window = new DateRange(window.start() != null ? window.start() : states.firstResponseDate(window.end()),
        window.end());
    this.currentPeriod = states.periodOf(window.end());
    this.metrics = Metric.all(settings);
  }

  Metric metric(String name, String where) {
    return metric(settings, name, where);
  }

  SegmentFilter filter(String text, String where) {
    return filter(settings, text, where);
  }

  /** The tracked metric of that name; {@code where} names the config key or file row for the error. */
  static Metric metric(Settings settings, String name, String where) {
    List<Metric> metrics = Metric.all(settings);
    return metrics.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow(() -> SatlakeException.usage(
        where + ": unknown metric '" + name + "'; tracked metrics are " + metrics.stream().map(Metric::name).toList()));
  }

  static SegmentFilter filter(Settings settings, String text, String where) {
    try {
      return SegmentFilter.parse(text, settings.segments().dimensions(), settings.segments().levels());
    } catch (IllegalArgumentException e) {
      throw SatlakeException.usage(where + ": " + e.getMessage());
    }
  }

  /** The segments a filter selects, in aggregation order. */
  List<List<String>> segments(SegmentFilter filter) {
    return states.segments().stream().filter(s -> filter.matches(s, settings.segments().dimensions())).toList();
  }

  /** A figure from a state covering the span; suppressed (no estimate) below min-n. */
  Figure figure(List<String> segment, String grain, Integer rollingPeriods, LocalDate start, LocalDate end,
      Metric metric, ScoreState state) {
    long n = metric.n(state);
    return new Figure(segment, grain, rollingPeriods, start, end, metric, n,
        n >= settings.minN() ? metric.estimate(state) : null);
  }

  /** The trailing {@code periods} periods ending with the one starting at {@code last}. */
  Figure span(List<String> segment, LocalDate last, int periods, Metric metric) {
    LocalDate first = states.shift(last, -(periods - 1));
    return figure(segment, states.grain().label(), periods, first, states.periodEnd(last), metric,
        states.span(segment, first, last));
  }

  /** The current figure (see the class comment): the current period, or the rolling span when that is too small. */
  Figure current(List<String> segment, Metric metric) {
    Figure period = span(segment, currentPeriod, 1, metric);
    int rolling = settings.tracking().rollingPeriods();
    if (period.estimate() != null || rolling < 2) {
      return period;
    }
    if (!analysed(states.shift(currentPeriod, -(rolling - 1)))) {
      return period;
    }
    Figure trailing = span(segment, currentPeriod, rolling, metric);
    return trailing.estimate() != null ? trailing : period;
  }

  /**
   * Whether a span starting at {@code first} lies within the periods analysed: one reaching
   * further back would sum fewer periods than it names.
   */
  boolean analysed(LocalDate first) {
    return !states.periods().isEmpty() && !first.isBefore(states.periods().first());
  }
}
