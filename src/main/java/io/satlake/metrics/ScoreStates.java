package io.satlake.metrics;

import io.satlake.config.Settings.PeriodGrain;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The small per-segment, per-period states of one run, as {@link SegmentScores} aggregated them.
 * Any span of periods, the whole window and a segment's complement are merged from these sums,
 * never from the responses again. A segment is its values per segment dimension (NULL = all);
 * the overall segment has every value NULL.
 */
public final class ScoreStates {
  private final Map<List<String>, NavigableMap<LocalDate, ScoreState>> bySegment;
  private final NavigableSet<LocalDate> periods = new TreeSet<>();
  private final PeriodGrain grain;
  private final ScoreState empty;
  private final List<String> overall;

  ScoreStates(Map<List<String>, NavigableMap<LocalDate, ScoreState>> bySegment, PeriodGrain grain,
      ScoreState empty, int segmentDimensions) {
    this.bySegment = bySegment;
    this.overall = Collections.nCopies(segmentDimensions, null);
    this.grain = grain;
    this.empty = empty;
    bySegment.values().forEach(p -> periods.addAll(p.keySet()));
  }

  /** Every segment with at least one response, in aggregation order (overall first when present). */
  public List<List<String>> segments() {
    return new ArrayList<>(bySegment.keySet());
  }

  /** The segment whose values are all NULL. */
  public List<String> overall() {
    return overall;
  }

  /** Start dates of every period that has a response in any segment, ascending. */
  public NavigableSet<LocalDate> periods() {
    return Collections.unmodifiableNavigableSet(periods);
  }

  public PeriodGrain grain() {
    return grain;
  }

  /** The start of the period {@code count} periods after (negative: before) the one starting at {@code start}. */
  public LocalDate shift(LocalDate start, int count) {
    return start.plusMonths((long) count * (grain == PeriodGrain.MONTH ? 1 : 3));
  }

  /** The last day of the period starting at {@code start}. */
  public LocalDate periodEnd(LocalDate start) {
    return shift(start, 1).minusDays(1);
  }

  /** The start of the period holding {@code day}. */
  public LocalDate periodOf(LocalDate day) {
    int month = day.getMonthValue();
    return day.withDayOfMonth(1).withMonth(grain == PeriodGrain.MONTH ? month : (month - 1) / 3 * 3 + 1);
  }

  /** The first response date of the run (NULL-free: the end date when there are no responses). */
  public LocalDate firstResponseDate(LocalDate orElse) {
    return bySegment.values().stream().flatMap(p -> p.values().stream()).map(s -> s.firstDate)
        .min(LocalDate::compareTo).orElse(orElse);
  }

  /** The period states of a segment keyed by period start (empty for an unknown segment). */
  NavigableMap<LocalDate, ScoreState> periodsOf(List<String> segment) {
    return bySegment.getOrDefault(segment, Collections.emptyNavigableMap());
  }

  /** The sum of a segment's states of the periods starting from {@code first} to {@code last}, inclusive. */
  public ScoreState span(List<String> segment, LocalDate first, LocalDate last) {
    ScoreState sum = empty.emptyLike();
    periodsOf(segment).subMap(first, true, last, true).values().forEach(sum::add);
    return sum;
  }

  /** The sum of all of a segment's period states: the whole window. */
  public ScoreState window(List<String> segment) {
    ScoreState sum = empty.emptyLike();
    periodsOf(segment).values().forEach(sum::add);
    return sum;
  }

  /** Collects states keyed by segment, then period start. */
  static final class Builder {
    private final Map<List<String>, NavigableMap<LocalDate, ScoreState>> bySegment = new LinkedHashMap<>();

    void put(List<String> segment, LocalDate period, ScoreState state) {
      bySegment.computeIfAbsent(segment, s -> new TreeMap<>()).put(period, state);
    }

    ScoreStates build(PeriodGrain grain, ScoreState empty, int segmentDimensions) {
      return new ScoreStates(bySegment, grain, empty, segmentDimensions);
    }
  }
}
