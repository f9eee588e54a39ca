#include "tests/component_env.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bigquery/rest_client.h"
#include "kafka/consumer.h"

extern char** environ;

namespace ferry::testing {

absl::StatusOr<std::unique_ptr<ComponentEnv>> ComponentEnv::Start(const Options& options) {
  auto env = std::unique_ptr<ComponentEnv>(new ComponentEnv());
  devkafka::DevKafkaOptions k;
  k.brokers = options.brokers;
  k.topics = options.topics;
  k.stock_limits = options.stock_limits;
  auto kafka = devkafka::DevKafkaProcess::Start(k);
  if (!kafka.ok()) return kafka.status();
  env->kafka_ = std::move(*kafka);
  emulator::EmulatorOptions e;
  e.db_path = options.db_path;
  e.storage_error_details = options.storage_error_details;
  auto emu = emulator::Emulator::Start(e);
  if (!emu.ok()) return emu.status();
  env->emulator_ = std::move(*emu);
  env->project_ = options.project;
  return env;
}

absl::StatusOr<int64_t> ComponentEnv::Produce(const cli::GeneratorOptions& options) {
  return cli::ProduceEvents(
      {{"bootstrap.servers", bootstrap()}, {"linger.ms", "10"}, {"batch.num.messages", "5000"}},
      options, std::chrono::seconds(60));
}

std::map<std::string, std::string> ComponentEnv::ServerlogConnector(const std::string& name) const {
  return {
      {"name", name},
      {"connector.class", "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector"},
      {"tasks.max", "3"},
      {"topics", "serverlog.member"},
      {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
      {"value.converter", "io.ferry.converters.CloudEventsConverter"},
      {"header.converter", "org.apache.kafka.connect.storage.StringConverter"},
      {"project", project_},
      {"defaultDataset", "serverlog"},
      {"topic2TableMap", "serverlog.member:serverlog_kafka"},
      {"autoCreateTables", "true"},
      {"timestampPartitionFieldName", "ce_time"},
      {"timePartitioningType", "DAY"},
      {"clusteringPartitionFieldNames", "ce_type,ce_subject"},
      {"kafkaDataFieldName", "kafka"},
      {"ferry.bigquery.rest.endpoint", emulator_->rest_endpoint()},
      {"ferry.bigquery.storage.endpoint", emulator_->grpc_endpoint()},
  };
}

std::map<std::string, std::string> ComponentEnv::WorkerProps() const {
  return {{"bootstrap.servers", bootstrap()},
          {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
          {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
          {"offset.flush.interval.ms", "1000"}};
}

namespace {

nlohmann::json CellsToObject(const nlohmann::json& f, const nlohmann::json& fields);

// One cell's value ("v") as plain JSON: a RECORD becomes an object.
nlohmann::json CellValue(const nlohmann::json& v, const nlohmann::json& field) {
  const std::string type = field.value("type", "STRING");
  if (!v.is_null() && (type == "RECORD" || type == "STRUCT")) {
    return CellsToObject(v["f"], field["fields"]);
  }
  return v;
}

// tabledata.list cells → plain JSON by the table schema; a REPEATED column
// becomes an array of its elements' values.
nlohmann::json CellsToObject(const nlohmann::json& f, const nlohmann::json& fields) {
  nlohmann::json obj = nlohmann::json::object();
  for (size_t i = 0; i < fields.size() && i < f.size(); ++i) {
    const nlohmann::json& field = fields[i];
    const nlohmann::json& v = f[i]["v"];
    nlohmann::json& out = obj[field["name"].get<std::string>()];
    if (field.value("mode", "") == "REPEATED" && v.is_array()) {
      out = nlohmann::json::array();
      for (const nlohmann::json& element : v) out.push_back(CellValue(element["v"], field));
    } else {
      out = CellValue(v, field);
    }
  }
  return obj;
}

}  // namespace

absl::StatusOr<std::unique_ptr<bigquery::RestClient>> ComponentEnv::Rest() const {
  bigquery::RestClientOptions o;
  o.endpoint = emulator_->rest_endpoint();
  return bigquery::RestClient::Create(o);
}

absl::StatusOr<std::vector<nlohmann::json>> ComponentEnv::ReadTable(const std::string& dataset,
                                                                    const std::string& table) {
  auto client = Rest();
  if (!client.ok()) return client.status();
  bigquery::TableReference ref{project_, dataset, table};
  auto meta = (*client)->Call(
      "GET", absl::StrCat("/projects/", project_, "/datasets/", dataset, "/tables/", table), "",
      nullptr);
  if (!meta.ok()) return meta.status();
  const nlohmann::json fields = (*meta)["schema"]["fields"];
  std::vector<nlohmann::json> rows;
  bigquery::TableDataListOptions list;
  list.max_results = 20000;
  for (;;) {
    auto body = (*client)->ListTableData(ref, list);
    if (!body.ok()) return body.status();
    if (body->contains("rows")) {
      for (const auto& row : (*body)["rows"]) rows.push_back(CellsToObject(row["f"], fields));
    }
    auto token = body->find("pageToken");
    if (token == body->end() || !token->is_string() || token->get<std::string>().empty()) break;
    list.page_token = token->get<std::string>();
  }
  return rows;
}

absl::StatusOr<std::vector<std::string>> ComponentEnv::ReadColumn(const std::string& dataset,
                                                                  const std::string& table,
                                                                  const std::string& column) {
  auto client = Rest();
  if (!client.ok()) return client.status();
  bigquery::TableReference ref{project_, dataset, table};
  std::vector<std::string> values;
  bigquery::TableDataListOptions list;
  list.max_results = 100000;
  list.selected_fields = column;
  for (;;) {
    auto body = (*client)->ListTableData(ref, list);
    if (!body.ok()) return body.status();
    if (body->contains("rows")) {
      for (const auto& row : (*body)["rows"]) {
        const auto& v = row["f"][0]["v"];
        values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
      }
    }
    auto token = body->find("pageToken");
    if (token == body->end() || !token->is_string() || token->get<std::string>().empty()) break;
    list.page_token = token->get<std::string>();
  }
  return values;
}

absl::Status ComponentEnv::CreateDataset(const std::string& dataset) {
  auto client = Rest();
  if (!client.ok()) return client.status();
  absl::Status s = (*client)->InsertDataset(project_, dataset).status();
  return absl::IsAlreadyExists(s) ? absl::OkStatus() : s;
}

absl::Status ComponentEnv::CreateTable(const std::string& dataset, const std::string& table,
                                       std::vector<bigquery::TableFieldSchema> columns) {
  if (absl::Status s = CreateDataset(dataset); !s.ok()) return s;
  auto client = Rest();
  if (!client.ok()) return client.status();
  bigquery::Table t;
  t.ref = {project_, dataset, table};
  t.schema.fields = std::move(columns);
  return (*client)->InsertTable(t).status();
}

std::string Describe(const bigquery::TableFieldSchema& f) {
  std::string out = absl::StrCat(f.name, " ", std::string(bigquery::FieldTypeName(f.type)), " ",
                                 std::string(bigquery::FieldModeName(f.mode)));
  if (!f.fields.empty()) {
    out += " {";
    for (size_t i = 0; i < f.fields.size(); ++i) {
      absl::StrAppend(&out, i ? ", " : "", Describe(f.fields[i]));
    }
    out += "}";
  }
  return out;
}

bigquery::TableFieldSchema Column(std::string name, bigquery::FieldType type,
                                  bigquery::FieldMode mode) {
  bigquery::TableFieldSchema f;
  f.name = std::move(name);
  f.type = type;
  f.mode = mode;
  return f;
}

absl::StatusOr<std::vector<RawRecord>> ComponentEnv::ReadTopic(const std::string& topic) {
  std::vector<RawRecord> out;
  absl::Status s = kafka::ReadTopicToEnd(
      bootstrap(), topic, [&](const RawRecord& r) { out.push_back(r); }, std::chrono::seconds(120));
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::unique_ptr<WorkerThread>> WorkerThread::Start(
    std::map<std::string, std::string> worker_props,
    std::vector<std::map<std::string, std::string>> connectors, runtime::WorkerOptions options) {
  std::vector<ConfigFile> files;
  for (auto& c : connectors) files.push_back(ConfigFile{c.at("name"), c});
  auto worker = runtime::Worker::Create(std::move(worker_props), std::move(files), options);
  if (!worker.ok()) return worker.status();
  auto t = std::unique_ptr<WorkerThread>(new WorkerThread());
  t->worker_ = std::move(*worker);
  t->thread_ = std::thread([w = t.get()] { w->status_ = w->worker_->Run(); });
  return t;
}

WorkerThread::~WorkerThread() {
  worker_->Stop();
  if (thread_.joinable()) thread_.join();
}

int64_t WorkerThread::Written() const {
  int64_t n = 0;
  for (const auto& c : worker_->Status()) {
    for (const auto& t : c.tasks) n += t.records_written;
  }
  return n;
}

bool WorkerThread::WaitUntil(const std::function<bool()>& pred, absl::Duration timeout) const {
  auto deadline = std::chrono::steady_clock::now() + absl::ToChronoMilliseconds(timeout);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

absl::Status WorkerThread::Wait() {
  if (thread_.joinable()) thread_.join();
  return status_;
}

void WriteProperties(const std::string& path, const std::map<std::string, std::string>& props) {
  std::ofstream out(path);
  for (const auto& [k, v] : props) out << k << "=" << v << "\n";
}

FerryProcess::FerryProcess(const std::vector<std::string>& args, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) pid_ = -1;
}

FerryProcess::~FerryProcess() {
  if (pid_ > 0) Kill();
}

void FerryProcess::Kill() {
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int FerryProcess::Wait(std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a child's exit.
  }
  return -1;
}

}  // namespace ferry::testing
