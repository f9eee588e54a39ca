#include "tests/component_env.h"

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bigquery/rest_client.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"

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
  auto emu = emulator::Emulator::Start(e);
  if (!emu.ok()) return emu.status();
  env->emulator_ = std::move(*emu);
  return env;
}

absl::StatusOr<int64_t> ComponentEnv::Produce(const cli::GeneratorOptions& options) {
  auto producer = kafka::Producer::Create(
      {{"bootstrap.servers", bootstrap()}, {"linger.ms", "10"}, {"batch.num.messages", "5000"}});
  if (!producer.ok()) return producer.status();
  cli::EventGenerator gen(options);
  for (int64_t i = 0; i < options.count; ++i) {
    if (absl::Status s = (*producer)->Send(gen.Next()); !s.ok()) return s;
  }
  if (absl::Status s = (*producer)->Flush(60000); !s.ok()) return s;
  return (*producer)->delivered();
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
      {"project", "ferry-local"},
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

// tabledata.list cells → plain JSON by the table schema.
nlohmann::json CellsToObject(const nlohmann::json& f, const nlohmann::json& fields) {
  nlohmann::json obj = nlohmann::json::object();
  for (size_t i = 0; i < fields.size() && i < f.size(); ++i) {
    const nlohmann::json& field = fields[i];
    const nlohmann::json& v = f[i]["v"];
    std::string type = field.value("type", "STRING");
    if (v.is_null()) {
      obj[field["name"].get<std::string>()] = nullptr;
    } else if (type == "RECORD" || type == "STRUCT") {
      obj[field["name"].get<std::string>()] = CellsToObject(v["f"], field["fields"]);
    } else {
      obj[field["name"].get<std::string>()] = v;
    }
  }
  return obj;
}

}  // namespace

absl::StatusOr<std::vector<nlohmann::json>> ComponentEnv::ReadTable(const std::string& dataset,
                                                                    const std::string& table) {
  bigquery::RestClientOptions o;
  o.endpoint = emulator_->rest_endpoint();
  auto client = bigquery::RestClient::Create(o);
  if (!client.ok()) return client.status();
  bigquery::TableReference ref{"ferry-local", dataset, table};
  auto meta = (*client)->Call(
      "GET", absl::StrCat("/projects/ferry-local/datasets/", dataset, "/tables/", table), "",
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

absl::StatusOr<std::vector<RawRecord>> ComponentEnv::ReadTopic(const std::string& topic) {
  kafka::ConsumerOptions o;
  o.properties["bootstrap.servers"] = bootstrap();
  o.properties["group.id"] =
      absl::StrCat("test-reader-", std::chrono::steady_clock::now().time_since_epoch().count());
  o.topics = {topic};
  auto consumer = kafka::Consumer::Create(o);
  if (!consumer.ok()) return consumer.status();
  auto partitions = kafka::PartitionCount(bootstrap(), topic);
  if (!partitions.ok()) return partitions.status();
  std::map<int32_t, int64_t> end, next;
  std::vector<RawRecord> out;
  std::vector<kafka::LostRange> lost;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (;;) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError("reading the topic timed out");
    }
    if (absl::Status s = (*consumer)->Poll(10000, 100, &out, &lost); !s.ok()) return s;
    if (!lost.empty()) return absl::DataLossError("topic lost data");
    if (end.size() != static_cast<size_t>(*partitions)) {
      end.clear();
      for (const auto& tp : (*consumer)->Assignment()) {
        int64_t low, high;
        if (absl::Status s = (*consumer)->QueryWatermarks(tp, &low, &high, 10000); !s.ok()) {
          return s;
        }
        end[tp.partition] = high;
        next.emplace(tp.partition, low);
      }
    }
    for (const RawRecord& r : out) next[r.partition] = std::max(next[r.partition], r.offset + 1);
    bool done = end.size() == static_cast<size_t>(*partitions);
    for (const auto& [p, high] : end) done = done && next[p] >= high;
    if (done) break;
  }
  (*consumer)->Close();
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

}  // namespace ferry::testing
