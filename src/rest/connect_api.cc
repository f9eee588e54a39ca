#include "rest/connect_api.h"

#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ferry::rest {
namespace {

using herder::Config;
using herder::TargetState;
using json = nlohmann::json;

json InfoJson(const herder::ConnectorInfo& info) {
  json tasks = json::array();
  for (int i = 0; i < info.tasks; ++i) tasks.push_back({{"connector", info.name}, {"task", i}});
  return {{"name", info.name}, {"config", info.config}, {"tasks", tasks}, {"type", info.type}};
}

json StateJson(const herder::StateInfo& s) {
  json out = {{"state", s.state}, {"worker_id", s.worker_id}};
  if (!s.trace.empty()) out["trace"] = s.trace;  // omitted when empty, as Connect.
  return out;
}

json TaskStateJson(int id, const herder::StateInfo& s) {
  json out = {{"id", id}, {"state", s.state}, {"worker_id", s.worker_id}};
  if (!s.trace.empty()) out["trace"] = s.trace;
  return out;
}

json StatusJson(const herder::ConnectorStatus& s) {
  json tasks = json::array();
  for (const auto& [id, t] : s.tasks) tasks.push_back(TaskStateJson(id, t));
  return {
      {"name", s.name}, {"connector", StateJson(s.connector)}, {"tasks", tasks}, {"type", s.type}};
}

bool Flag(const Request& r, const std::string& key) {
  std::optional<std::string> v = r.Query(key);
  return v && absl::AsciiStrToLower(*v) == "true";
}

// A config object of a request: string values as they are, numbers and
// booleans as their JSON text (Jackson reads them into a Map<String,String>
// so), nulls dropped (or, with `nulls`, kept as nullopt: PATCH removes them).
absl::StatusOr<std::map<std::string, std::optional<std::string>>> ConfigFromJson(
    const json& j, const std::string& what) {
  if (!j.is_object()) return absl::InvalidArgumentError(what + " must be a JSON object");
  std::map<std::string, std::optional<std::string>> out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) {
      out[k] = v.get<std::string>();
    } else if (v.is_null()) {
      out[k] = std::nullopt;
    } else if (v.is_number() || v.is_boolean()) {
      out[k] = v.dump();
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": the value of '", k, "' must be a string"));
    }
  }
  return out;
}

Config WithoutNulls(const std::map<std::string, std::optional<std::string>>& in) {
  Config out;
  for (const auto& [k, v] : in) {
    if (v) out[k] = *v;
  }
  return out;
}

// Connect's checkAndPutConnectorConfigName.
absl::Status PutName(const std::string& name, Config* config) {
  if (auto it = config->find("name"); it != config->end() && it->second != name) {
    return absl::InvalidArgumentError(absl::StrCat("Connector name configuration (", it->second,
                                                   ") doesn't match connector name in the URL (",
                                                   name, ")"));
  }
  (*config)["name"] = name;
  return absl::OkStatus();
}

absl::Status CheckName(const std::string& name) {
  if (absl::StripAsciiWhitespace(name).empty()) {
    return absl::InvalidArgumentError("Connector name is required");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("Connector name contains an ISO control character");
    }
  }
  return absl::OkStatus();
}

// A plugin named by its class, its simple name, or its alias (the simple name
// without "Connector"), as Connect's plugin lookup.
bool IsBigQuerySink(const std::string& plugin) {
  return plugin == kBigQuerySinkClass || plugin == "BigQuerySinkConnector" ||
         plugin == "BigQuerySink";
}

json DefinitionJson(const ConfigKey& k, int order) {
  json d = {{"name", k.name},
            {"type", std::string(ConfigTypeName(k.type))},
            {"required", !k.default_value.has_value()},
            {"importance", k.importance == Importance::kHigh     ? "HIGH"
                           : k.importance == Importance::kMedium ? "MEDIUM"
                                                                 : "LOW"},
            {"documentation", k.doc},
            {"group", k.group.empty() ? json(nullptr) : json(k.group)},
            {"order", order},
            {"width", "NONE"},
            {"display_name", k.name},
            {"dependents", json::array()}};
  if (!k.default_value || k.default_value->empty()) {
    d["default_value"] = nullptr;
  } else {
    d["default_value"] = k.type == ConfigType::kPassword ? "[hidden]" : *k.default_value;
  }
  return d;
}

// Calls fn(key, its order in its group, its group) for every key of the
// tables, the first definition of a name only, in table order (Connect's
// ConfigKeyInfo.order_in_group). Keys without a group are in "Common".
template <typename Fn>
void ForEachKey(const std::vector<const ConfigDef*>& definitions, Fn fn) {
  std::map<std::string, int> order;
  std::set<std::string> defined;
  for (const ConfigDef* def : definitions) {
    for (const ConfigKey& k : def->keys()) {
      if (!defined.insert(k.name).second) continue;
      const std::string group = k.group.empty() ? "Common" : k.group;
      fn(k, ++order[group], group);
    }
  }
}

// Connect's ConfigInfos for a validation.
json ValidationJson(const herder::Validation& v, const Config& config) {
  std::map<std::string, std::vector<std::string>> errors;
  // Lenient, as the runtime is: a key Connect would ignore (unknown, removed
  // in kcbq 2.0) is no error here; `ferry validate` is the strict view.
  for (const ConfigError& e : v.errors) {
    if (!e.ignorable) errors[e.key].push_back(e.message);
  }
  const Config shown = herder::Shown(config);
  json configs = json::array();
  std::vector<std::string> groups;
  int error_count = 0;
  ForEachKey(v.definitions, [&](const ConfigKey& k, int order, const std::string& group) {
    if (order == 1) groups.push_back(group);
    json value = {{"name", k.name},
                  {"recommended_values", json::array()},
                  {"errors", json::array()},
                  {"visible", true}};
    if (auto it = shown.find(k.name); it != shown.end()) {
      value["value"] = it->second;  // Shown() has hidden the secrets.
    } else if (k.default_value && !k.default_value->empty()) {
      value["value"] = k.type == ConfigType::kPassword ? "[hidden]" : *k.default_value;
    } else {
      value["value"] = nullptr;
    }
    if (auto it = errors.find(k.name); it != errors.end()) {
      for (const std::string& m : it->second) value["errors"].push_back(m);
      error_count += static_cast<int>(it->second.size());
      errors.erase(it);
    }
    configs.push_back({{"definition", DefinitionJson(k, order)}, {"value", value}});
  });
  // Problems of keys no table defines (unknown keys, transforms, converters,
  // clients): one entry each, as Connect reports a transform's or a
  // converter's keys.
  for (const auto& [key, messages] : errors) {
    json value = {{"name", key},
                  {"value", shown.count(key) ? json(shown.at(key)) : json(nullptr)},
                  {"recommended_values", json::array()},
                  {"errors", messages},
                  {"visible", true}};
    ConfigKey k{.name = key,
                .type = ConfigType::kString,
                .default_value = "",
                .importance = Importance::kLow,
                .doc = ""};
    configs.push_back({{"definition", DefinitionJson(k, 0)}, {"value", value}});
    error_count += static_cast<int>(messages.size());
  }
  return {{"name", kBigQuerySinkClass},
          {"error_count", error_count},
          {"groups", groups},
          {"configs", configs}};
}

class Api {
 public:
  Api(herder::Herder* herder, ConnectApiOptions options)
      : herder_(herder), options_(std::move(options)) {}

  static void Register(Router& r, const std::shared_ptr<Api>& self) {
    r.Add("GET", "/", [self](const Request&) { return self->Root(); });
    r.Add("GET", "/health", [self](const Request&) { return self->Health(); });
    r.Add("GET", "/connectors", [self](const Request& q) { return self->List(q); });
    r.Add("POST", "/connectors", [self](const Request& q) { return self->Create(q); });
    r.Add("GET", "/connectors/{c}", [self](const Request& q) { return self->Get(q); });
    r.Add("DELETE", "/connectors/{c}", [self](const Request& q) { return self->Delete(q); });
    r.Add("GET", "/connectors/{c}/config", [self](const Request& q) { return self->GetConfig(q); });
    r.Add("PUT", "/connectors/{c}/config", [self](const Request& q) { return self->PutConfig(q); });
    r.Add("PATCH", "/connectors/{c}/config",
          [self](const Request& q) { return self->PatchConfig(q); });
    r.Add("GET", "/connectors/{c}/status", [self](const Request& q) { return self->Status(q); });
    r.Add("GET", "/connectors/{c}/tasks", [self](const Request& q) { return self->Tasks(q); });
    r.Add("GET", "/connectors/{c}/tasks/{t}/status",
          [self](const Request& q) { return self->TaskStatus(q); });
    r.Add("POST", "/connectors/{c}/restart", [self](const Request& q) { return self->Restart(q); });
    r.Add("POST", "/connectors/{c}/tasks/{t}/restart",
          [self](const Request& q) { return self->RestartTask(q); });
    r.Add("PUT", "/connectors/{c}/pause",
          [self](const Request& q) { return self->Target(q, TargetState::kPaused, 202); });
    r.Add("PUT", "/connectors/{c}/resume",
          [self](const Request& q) { return self->Target(q, TargetState::kStarted, 202); });
    r.Add("PUT", "/connectors/{c}/stop",
          [self](const Request& q) { return self->Target(q, TargetState::kStopped, 204); });
    r.Add("GET", "/connector-plugins", [self](const Request& q) { return self->Plugins(q); });
    r.Add("GET", "/connector-plugins/{p}/config",
          [self](const Request& q) { return self->PluginConfig(q); });
    r.Add("PUT", "/connector-plugins/{p}/config/validate",
          [self](const Request& q) { return self->Validate(q); });
  }

 private:
  Response Root() {
    return Response::Json(200, {{"version", options_.version},
                                {"commit", options_.commit},
                                {"kafka_cluster_id", herder_->KafkaClusterId()}});
  }

  Response Health() {
    if (!herder_->Ready()) {
      return Response::Json(503,
                            {{"status", "starting"}, {"message", "Worker is still starting up."}});
    }
    return Response::Json(
        200, {{"status", "healthy"},
              {"message", "Worker has completed startup and is ready to handle requests."}});
  }

  Response List(const Request& q) {
    const std::vector<std::string> names = herder_->Connectors();
    bool status = false, info = false;
    for (const std::string& e : q.QueryAll("expand")) {
      status = status || e == "status";
      info = info || e == "info";
    }
    if (!status && !info) return Response::Json(200, names);
    json out = json::object();
    for (const std::string& n : names) {
      json entry = json::object();
      if (status) {
        if (auto s = herder_->Status(n); s.ok()) entry["status"] = StatusJson(*s);
      }
      if (info) {
        if (auto i = herder_->Info(n); i.ok()) entry["info"] = InfoJson(*i);
      }
      out[n] = std::move(entry);
    }
    return Response::Json(200, out);
  }

  Response Created(const std::string& name, bool created) {
    absl::StatusOr<herder::ConnectorInfo> info = herder_->Info(name);
    if (!info.ok()) return Response::FromStatus(info.status());
    Response r = Response::Json(created ? 201 : 200, InfoJson(*info));
    if (created)
      r.headers["Location"] = absl::StrCat(options_.advertised_url, "/connectors/", name);
    return r;
  }

  Response Create(const Request& q) {
    absl::StatusOr<json> body = q.Json();
    if (!body.ok()) return Response::FromStatus(body.status());
    if (!body->is_object()) return Response::Error(400, "Request body must be a JSON object");
    const std::string name =
        body->contains("name") && (*body)["name"].is_string()
            ? std::string(absl::StripAsciiWhitespace((*body)["name"].get<std::string>()))
            : "";
    if (absl::Status s = CheckName(name); !s.ok()) return Response::FromStatus(s);
    if (!body->contains("config")) {
      return Response::Error(400, "Connector configuration must be provided (config)");
    }
    auto config = ConfigFromJson((*body)["config"], "config");
    if (!config.ok()) return Response::FromStatus(config.status());
    Config c = WithoutNulls(*config);
    if (absl::Status s = PutName(name, &c); !s.ok()) return Response::FromStatus(s);
    TargetState initial = TargetState::kStarted;
    if (body->contains("initial_state") && !(*body)["initial_state"].is_null()) {
      const json& st = (*body)["initial_state"];
      const std::string v = st.is_string() ? absl::AsciiStrToUpper(st.get<std::string>()) : "";
      if (v == "RUNNING") {
        initial = TargetState::kStarted;
      } else if (v == "PAUSED") {
        initial = TargetState::kPaused;
      } else if (v == "STOPPED") {
        initial = TargetState::kStopped;
      } else {
        return Response::Error(400, absl::StrCat("Invalid initial state: ", st.dump(),
                                                 " (RUNNING, PAUSED or STOPPED)"));
      }
    }
    absl::StatusOr<bool> created = herder_->PutConfig(name, std::move(c), false, initial);
    if (!created.ok()) return Response::FromStatus(created.status());
    return Created(name, true);
  }

  Response Get(const Request& q) {
    absl::StatusOr<herder::ConnectorInfo> info = herder_->Info(q.params.at("c"));
    if (!info.ok()) return Response::FromStatus(info.status());
    return Response::Json(200, InfoJson(*info));
  }

  Response Delete(const Request& q) {
    absl::Status s = herder_->Delete(q.params.at("c"));
    return s.ok() ? Response::NoContent() : Response::FromStatus(s);
  }

  Response GetConfig(const Request& q) {
    absl::StatusOr<herder::ConnectorInfo> info = herder_->Info(q.params.at("c"));
    if (!info.ok()) return Response::FromStatus(info.status());
    return Response::Json(200, info->config);
  }

  Response PutConfig(const Request& q) {
    const std::string& name = q.params.at("c");
    if (absl::Status s = CheckName(name); !s.ok()) return Response::FromStatus(s);
    absl::StatusOr<json> body = q.Json();
    if (!body.ok()) return Response::FromStatus(body.status());
    auto config = ConfigFromJson(*body, "the connector configuration");
    if (!config.ok()) return Response::FromStatus(config.status());
    Config c = WithoutNulls(*config);
    if (absl::Status s = PutName(name, &c); !s.ok()) return Response::FromStatus(s);
    absl::StatusOr<bool> created = herder_->PutConfig(name, std::move(c), true);
    if (!created.ok()) return Response::FromStatus(created.status());
    return Created(name, *created);
  }

  // PATCH: the given keys replace the connector's, a null removes one (the
  // herder merges into the config as written: references stay references,
  // hidden secrets stay as they were).
  Response PatchConfig(const Request& q) {
    const std::string& name = q.params.at("c");
    absl::StatusOr<json> body = q.Json();
    if (!body.ok()) return Response::FromStatus(body.status());
    auto patch = ConfigFromJson(*body, "the connector configuration patch");
    if (!patch.ok()) return Response::FromStatus(patch.status());
    if (auto it = patch->find("name"); it != patch->end() && it->second != name) {
      return Response::Error(
          400, absl::StrCat("Connector name configuration (", it->second.value_or("null"),
                            ") doesn't match connector name in the URL (", name, ")"));
    }
    patch->erase("name");
    absl::Status s = herder_->PatchConfig(name, *patch);
    if (!s.ok()) return Response::FromStatus(s);
    return Created(name, false);
  }

  Response Status(const Request& q) {
    absl::StatusOr<herder::ConnectorStatus> s = herder_->Status(q.params.at("c"));
    if (!s.ok()) return Response::FromStatus(s.status());
    return Response::Json(200, StatusJson(*s));
  }

  Response Tasks(const Request& q) {
    const std::string& name = q.params.at("c");
    absl::StatusOr<std::vector<herder::TaskInfo>> tasks = herder_->Tasks(name);
    if (!tasks.ok()) return Response::FromStatus(tasks.status());
    json out = json::array();
    for (const herder::TaskInfo& t : *tasks) {
      out.push_back({{"id", {{"connector", name}, {"task", t.id}}}, {"config", t.config}});
    }
    return Response::Json(200, out);
  }

  absl::StatusOr<int> TaskId(const Request& q) {
    int id = -1;
    if (!absl::SimpleAtoi(q.params.at("t"), &id) || id < 0) {
      return absl::NotFoundError(
          absl::StrCat("Task ", q.params.at("c"), "-", q.params.at("t"), " not found"));
    }
    return id;
  }

  Response TaskStatus(const Request& q) {
    absl::StatusOr<int> id = TaskId(q);
    if (!id.ok()) return Response::FromStatus(id.status());
    absl::StatusOr<herder::ConnectorStatus> s = herder_->Status(q.params.at("c"));
    if (!s.ok()) return Response::FromStatus(s.status());
    for (const auto& [tid, t] : s->tasks) {
      if (tid == *id) return Response::Json(200, TaskStateJson(tid, t));
    }
    return Response::Error(404,
                           absl::StrCat("No status found for task ", q.params.at("c"), "-", *id));
  }

  Response Restart(const Request& q) {
    const std::string& name = q.params.at("c");
    const bool include_tasks = Flag(q, "includeTasks");
    const bool only_failed = Flag(q, "onlyFailed");
    absl::StatusOr<herder::ConnectorStatus> plan = herder_->Status(name);
    if (!plan.ok()) return Response::FromStatus(plan.status());
    if (!include_tasks && !only_failed) {
      absl::Status s = herder_->Restart(name, false, false);
      return s.ok() ? Response::NoContent() : Response::FromStatus(s);
    }
    // KIP-745: 202 with the status as the restart plan has it.
    if (!only_failed || plan->connector.state == "FAILED") plan->connector.state = "RESTARTING";
    if (include_tasks) {
      for (auto& [id, t] : plan->tasks) {
        if (!only_failed || t.state == "FAILED") {
          t.state = "RESTARTING";
          t.trace.clear();
        }
      }
    }
    absl::Status s = herder_->Restart(name, include_tasks, only_failed);
    if (!s.ok()) return Response::FromStatus(s);
    return Response::Json(202, StatusJson(*plan));
  }

  Response RestartTask(const Request& q) {
    absl::StatusOr<int> id = TaskId(q);
    if (!id.ok()) return Response::FromStatus(id.status());
    absl::Status s = herder_->RestartTask(q.params.at("c"), *id);
    return s.ok() ? Response::NoContent() : Response::FromStatus(s);
  }

  Response Target(const Request& q, TargetState state, int code) {
    absl::Status s = herder_->SetTargetState(q.params.at("c"), state);
    if (!s.ok()) return Response::FromStatus(s);
    Response r;
    r.status = code;
    return r;
  }

  Response Plugins(const Request& q) {
    return Response::Json(
        200,
        json::array(
            {{{"class", kBigQuerySinkClass}, {"type", "sink"}, {"version", options_.commit}}}));
  }

  Response PluginConfig(const Request& q) {
    if (!IsBigQuerySink(q.params.at("p"))) {
      return Response::Error(404, absl::StrCat("Unknown plugin ", q.params.at("p"), "."));
    }
    json out = json::array();
    ForEachKey(herder_->Validate({}).definitions,
               [&](const ConfigKey& k, int order, const std::string&) {
                 out.push_back(DefinitionJson(k, order));
               });
    return Response::Json(200, out);
  }

  Response Validate(const Request& q) {
    const std::string& plugin = q.params.at("p");
    if (!IsBigQuerySink(plugin)) {
      return Response::Error(404, absl::StrCat("Unknown plugin ", plugin, "."));
    }
    absl::StatusOr<json> body = q.Json();
    if (!body.ok()) return Response::FromStatus(body.status());
    auto config = ConfigFromJson(*body, "the connector configuration");
    if (!config.ok()) return Response::FromStatus(config.status());
    Config c = WithoutNulls(*config);
    if (auto it = c.find("connector.class"); it != c.end() && !IsBigQuerySink(it->second)) {
      return Response::Error(400, absl::StrCat("Included connector type ", it->second,
                                               " does not match request type ", plugin));
    }
    c.emplace("connector.class", kBigQuerySinkClass);
    return Response::Json(200, ValidationJson(herder_->Validate(c), c));
  }

  herder::Herder* herder_;
  ConnectApiOptions options_;
};

}  // namespace

std::shared_ptr<Router> ConnectRouter(herder::Herder* herder, ConnectApiOptions options) {
  auto router = std::make_shared<Router>();
  // The handlers share the Api: the router keeps it alive.
  Api::Register(*router, std::make_shared<Api>(herder, std::move(options)));
  return router;
}

}  // namespace ferry::rest
