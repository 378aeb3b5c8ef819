# Sourced by scripts/satlake: `submit` (spark-submit of target/satlake.jar) and `local-cluster`
# (a Spark standalone cluster from the Maven classpath). Expects ROOT, JAVA, jar, classpath_file,
# opens and die() from the launcher, and the jar already built.

# A Spark "installation" made of links to the Maven repository: jars/ holds exactly what a Spark
# distribution provides (the launcher's classpath minus what satlake.jar bundles), so the cluster
# proves that the shaded jar is self-sufficient. Workers start executors from $SPARK_HOME/jars.
maven_spark_home() {
  local home="${SATLAKE_SPARK_HOME:-$ROOT/target/spark-home}"
  local stamp="$home/jars/.classpath"
  if [ ! -f "$stamp" ] || ! cmp -s "$classpath_file" "$stamp"; then
    rm -rf "$home/jars"
    mkdir -p "$home/jars" "$home/conf"
    local bundled entry
    bundled=$(tr ':' '\n' < "$ROOT/target/bundled-classpath.txt")
    tr ':' '\n' < "$classpath_file" | while IFS= read -r entry; do
      grep -qxF "$entry" <<< "$bundled" || ln -s "$entry" "$home/jars/"
    done
    cp "$classpath_file" "$stamp"
  fi
  # Daemons, executors and cluster-mode drivers log like local runs, plus the lines that carry a
  # submitted driver's id and state.
  { cat "$ROOT/conf/log4j2.properties"
    printf '%s\n' 'logger.deployclient.name = org.apache.spark.deploy.ClientEndpoint' 'logger.deployclient.level = info'
  } > "$home/conf/log4j2.properties"
  echo "$home"
}

cluster_dir() { echo "${SATLAKE_CLUSTER_DIR:-$ROOT/target/local-cluster}"; }

# ---------------------------------------------------------------------------------------------
# local-cluster start|stop|status

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

master_json() { curl -fsS --max-time 5 "$(cat "$(cluster_dir)/master-webui")/json/" 2>/dev/null; }

alive_workers() { master_json | sed -n 's/.*"aliveworkers" *: *\([0-9]*\).*/\1/p'; }

# Starts one daemon in its own session (its process group then holds the executors and drivers it
# forks, so stop can end them all), logging to logs/<name>.log.
start_daemon() {
  local name=$1 home=$2; shift 2
  local dir; dir=$(cluster_dir)
  SPARK_HOME="$home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1 \
    setsid "$JAVA" -Xmx512m $opens -cp "$home/conf/:$home/jars/*" "$@" \
    > "$dir/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/$name.pid"
}

local_cluster_start() {
  local dir home port webui workers
  dir=$(cluster_dir)
  port="${SATLAKE_MASTER_PORT:-7077}"
  webui="${SATLAKE_MASTER_WEBUI_PORT:-8080}"
  workers="${SATLAKE_WORKERS:-2}"
  case "$workers" in
    ''|*[!0-9]*|0*) die "SATLAKE_WORKERS: '$workers' is not a number of workers (1 or more)" ;;
  esac
  if alive "$dir/master.pid" && [ "$(alive_workers)" = "$workers" ]; then
    echo "local cluster already running"
    local_cluster_status
    return
  fi
  local_cluster_stop > /dev/null
  home=$(maven_spark_home)
  mkdir -p "$dir/logs" "$dir/work"
  echo "spark://127.0.0.1:$port" > "$dir/master-url"
  echo "http://127.0.0.1:$webui" > "$dir/master-webui"
  start_daemon master "$home" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port "$webui"
  wait_for "master" 60 '[ -n "$(master_json)" ]'
  # The master moves to the next port when its port is taken: use the one it reports.
  master_json | sed -n 's/.*"url" *: *"\(spark:[^"]*\)".*/\1/p' > "$dir/master-url"
  local i
  for i in $(seq 1 "$workers"); do
    mkdir -p "$dir/work/worker-$i"
    start_daemon "worker-$i" "$home" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 \
      --cores "${SATLAKE_WORKER_CORES:-1}" --memory "${SATLAKE_WORKER_MEMORY:-2g}" --webui-port 0 \
      --work-dir "$dir/work/worker-$i" "$(cat "$dir/master-url")"
  done
  wait_for "$workers workers" 60 '[ "$(alive_workers)" = "$workers" ]'
  local_cluster_status
}

wait_for() {
  local what=$1 seconds=$2 condition=$3 waited=0
  until eval "$condition"; do
    if [ "$waited" -ge "$((seconds * 2))" ]; then
      local_cluster_stop > /dev/null
      die "local cluster: no $what after ${seconds} s (logs: $(cluster_dir)/logs)"
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
}

local_cluster_stop() {
  local dir pidfile pid stopped=0
  dir=$(cluster_dir)
  for pidfile in "$dir"/worker-*.pid "$dir"/master.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || true # the daemon's process group: it and its executors
      local i
      for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      stopped=$((stopped + 1))
    fi
    rm -f "$pidfile"
  done
  echo "local cluster stopped ($stopped daemons were running)"
}

# Exit code 0 when the master is up, 1 when not.
local_cluster_status() {
  local dir; dir=$(cluster_dir)
  if ! alive "$dir/master.pid"; then
    echo "local cluster: not running"
    return 1
  fi
  echo "master:  $(cat "$dir/master-url")   (web UI $(cat "$dir/master-webui"))"
  echo "workers: $(alive_workers) alive"
  echo "logs:    $dir/logs"
}

LOCAL_CLUSTER_HELP='usage: satlake local-cluster start|stop|status

A Spark standalone cluster on 127.0.0.1: one master and SATLAKE_WORKERS workers, each its own JVM,
from the Maven classpath (no Spark install needed). Submit to it with `satlake submit`.
  start    start it (idempotent), wait until every worker has registered, print the status
  stop     stop it (idempotent): each daemon with its executors and drivers
  status   print the master URL, the web UI, the alive workers and the log folder; exit 0 when
           the cluster is up, 1 when not
Env: SATLAKE_MASTER_PORT (7077), SATLAKE_MASTER_WEBUI_PORT (8080), SATLAKE_WORKERS (2),
SATLAKE_WORKER_CORES (1), SATLAKE_WORKER_MEMORY (2g), SATLAKE_CLUSTER_DIR (target/local-cluster).'

local_cluster() {
  case "${1:-}" in
    start) local_cluster_start ;;
    stop) local_cluster_stop ;;
    status) local_cluster_status ;;
    -h|--help|help) echo "$LOCAL_CLUSTER_HELP" ;;
    *) die "usage: satlake local-cluster start|stop|status (see local-cluster --help)" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# submit [spark-submit options] -- <job command and options>

SUBMIT_HELP='usage: satlake submit [spark-submit options] -- <command> [options]
  e.g. satlake submit --master spark://127.0.0.1:7077 -- run --run-date 2025-12-31 --config app.conf

Submits target/satlake.jar (class io.satlake.SatisfactionJob) with spark-submit: $SPARK_HOME/bin/
spark-submit when SPARK_HOME is set, else Spark from the Maven classpath (no install needed).
In standalone cluster mode (--master spark://... --deploy-mode cluster) it waits for the driver
and exits with its real result: the job'"'"'s own exit code when the driver log shows it, else 0
for FINISHED and 1 for FAILED, ERROR or KILLED. The master web UI is read from
SATLAKE_MASTER_WEBUI (default: the local cluster'"'"'s, else http://<master host>:8080).'

submit() {
  local spark_opts=() job_args=() seen_separator=false
  while [ $# -gt 0 ]; do
    if ! $seen_separator && [ "$1" = "--" ]; then
      seen_separator=true
    elif $seen_separator; then
      job_args+=("$1")
    elif [ "$1" = "--help" ] || [ "$1" = "-h" ]; then
      echo "$SUBMIT_HELP"
      return 0
    else
      spark_opts+=("$1")
    fi
    shift
  done
  $seen_separator && [ ${#job_args[@]} -gt 0 ] || die "submit: expects '-- <command> [options]' after the spark-submit options (see submit --help)"

  local master="" deploy_mode=client i
  for ((i = 0; i < ${#spark_opts[@]}; i++)); do
    case "${spark_opts[$i]}" in
      --master) master="${spark_opts[$((i + 1))]:-}" ;;
      --master=*) master="${spark_opts[$i]#--master=}" ;;
      --deploy-mode) deploy_mode="${spark_opts[$((i + 1))]:-}" ;;
      --deploy-mode=*) deploy_mode="${spark_opts[$i]#--deploy-mode=}" ;;
    esac
  done
  local standalone_cluster=false
  [[ "$master" == spark://* && "$deploy_mode" == cluster ]] && standalone_cluster=true
  # Driver Java options: $jit always (see jvm.jit in the pom); in standalone cluster mode also
  # the Java 17 --add-opens list, which Spark's launcher gives client-mode drivers and executors
  # but not standalone cluster-mode drivers (nor spark.driver.defaultJavaOptions). Prepended to
  # the user's own options, or passed as those. Executors get $jit the same way.
  local driver_opts="$jit" has_driver_opts=false has_executor_opts=false
  $standalone_cluster && driver_opts="$opens $jit"
  for ((i = 0; i < ${#spark_opts[@]}; i++)); do
    case "${spark_opts[$i]}" in
      --driver-java-options) spark_opts[$((i + 1))]="$driver_opts ${spark_opts[$((i + 1))]:-}"; has_driver_opts=true ;;
      --driver-java-options=*) spark_opts[$i]="--driver-java-options=$driver_opts ${spark_opts[$i]#*=}"; has_driver_opts=true ;;
      spark.driver.extraJavaOptions=*) spark_opts[$i]="spark.driver.extraJavaOptions=$driver_opts ${spark_opts[$i]#*=}"; has_driver_opts=true ;;
      spark.executor.extraJavaOptions=*) spark_opts[$i]="spark.executor.extraJavaOptions=$jit ${spark_opts[$i]#*=}"; has_executor_opts=true ;;
    esac
  done
  $has_driver_opts || spark_opts+=(--driver-java-options "$driver_opts")
  $has_executor_opts || spark_opts+=(--conf "spark.executor.extraJavaOptions=$jit")

  local full=()
  if [ -n "${SPARK_HOME:-}" ]; then
    full=("$SPARK_HOME/bin/spark-submit" "${spark_opts[@]}" --class io.satlake.SatisfactionJob "$jar" "${job_args[@]}")
  else
    # What bin/spark-submit does: Spark's launcher library builds the java command line (driver
    # memory, driver Java options, --add-opens) and prints it NUL-separated after a "\0\n" marker.
    local launcher_out launcher_code=0 token first=true
    export SPARK_HOME SPARK_SCALA_VERSION=2.12
    SPARK_HOME=$(maven_spark_home)
    launcher_out=$(mktemp)
    "$JAVA" -Xmx128m -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main org.apache.spark.deploy.SparkSubmit \
      "${spark_opts[@]}" --class io.satlake.SatisfactionJob "$jar" "${job_args[@]}" > "$launcher_out" || launcher_code=$?
    while IFS= read -r -d '' token; do
      if $first; then
        [ -z "$token" ] || echo "$token" >&2 # the launcher's own messages (usage errors)
        first=false
      else
        full+=("${token#$'\n'}")
      fi
    done < "$launcher_out"
    rm -f "$launcher_out"
    [ "$launcher_code" = 0 ] && [ ${#full[@]} -gt 0 ] || die "submit: invalid spark-submit options"
  fi
  export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"

  if ! $standalone_cluster; then
    exec "${full[@]}" # client mode, YARN, Kubernetes, local: spark-submit's exit code is the job's
  fi

  # Standalone cluster mode: spark-submit returns once the master accepted the driver, with 0
  # even if the driver later fails. Keep its output to find the driver id, then watch the driver.
  local submit_log code=0 driver
  submit_log=$(mktemp)
  "${full[@]}" 2> >(tee "$submit_log" >&2) || code=$?
  sleep 0.2 # let tee flush
  driver=$(grep -o 'driver-[0-9]\{14\}-[0-9]\{4\}' "$submit_log" | head -n 1 || true)
  rm -f "$submit_log"
  [ "$code" = 0 ] || exit "$code"
  [ -n "$driver" ] || { echo "satlake submit: spark-submit printed no driver id; cannot follow the driver" >&2; exit 1; }

  local webui="${SATLAKE_MASTER_WEBUI:-}"
  if [ -z "$webui" ]; then
    if [ -f "$(cluster_dir)/master-url" ] && [ "$(cat "$(cluster_dir)/master-url")" = "$master" ]; then
      webui=$(cat "$(cluster_dir)/master-webui")
    else
      webui="http://$(sed 's|spark://\([^:,/]*\).*|\1|' <<< "$master"):8080"
    fi
  fi
  exec "$JAVA" -Xmx128m -cp "$jar:$SPARK_HOME/jars/*" io.satlake.cli.StandaloneDriverWatch "$webui" "$driver"
}
