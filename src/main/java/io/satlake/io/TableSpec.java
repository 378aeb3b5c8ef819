package io.satlake.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One output table's contract: name, comment, columns with their types and comments, and Delta
 * table properties. The writer conforms each DataFrame to it, so the table's schema, comments and
 * properties come from here only.
 */
public record TableSpec(String name, String comment, List<ColumnSpec> columns, Map<String, String> properties) {

  public TableSpec(String name, String comment, List<ColumnSpec> columns) {
    this(name, comment, columns, Map.of());
  }

  public record ColumnSpec(String name, DataType type, String comment) {}

  /** Tables keyed by run date are partitioned by it (a rerun replaces one partition); the run log is not. */
  public boolean partitioned() {
    return !name.equals(OutputTables.RUN_LOG) && columns.stream().anyMatch(c -> c.name().equals("run_date"));
  }

  public StructType schema() {
    List<StructField> fields = new ArrayList<>();
    for (ColumnSpec c : columns) {
      Metadata metadata = new MetadataBuilder().putString("comment", c.comment()).build();
      fields.add(new StructField(c.name(), c.type(), true, metadata));
    }
    return new StructType(fields.toArray(StructField[]::new));
  }

  /** Collects column specs in order; {@code add} reads as a list of rows in a contract table. */
  public static final class Builder {
    private final String name;
    private final String comment;
    private final List<ColumnSpec> columns = new ArrayList<>();
    private final Map<String, String> properties = new LinkedHashMap<>();

    public Builder(String name, String comment) {
      this.name = name;
      this.comment = comment;
    }

    public Builder add(String column, DataType type, String columnComment) {
      columns.add(new ColumnSpec(column, type, columnComment));
      return this;
    }

    public Builder property(String key, String value) {
      properties.put(key, value);
      return this;
    }

    public TableSpec build() {
      return new TableSpec(name, comment, List.copyOf(columns), Map.copyOf(properties));
    }
  }
}
