#include "herder/herder.h"

#include "absl/strings/match.h"
#include "alert/alert_config.h"
#include "bigquery/error_table.h"
#include "bigquery/sink_config.h"
#include "config/connector_config.h"
#include "runtime/runtime_config.h"

namespace ferry::herder {
namespace {

bool IsSecretKey(const std::string& key) {
  for (const ConfigDef* def : ConnectorConfigDefs()) {
    if (const ConfigKey* k = def->Find(key); k != nullptr) {
      if (k->type == ConfigType::kPassword) return true;
    }
  }
  // Keys of the clients, converters and SMTs the connector configures.
  for (const char* suffix : {".password", "sasl.jaas.config", "basic.auth.user.info",
                             "bearer.auth.token", "ssl.key.password", ".secret", "webhook.url"}) {
    if (absl::EndsWith(key, suffix)) return true;
  }
  return false;
}

}  // namespace

std::string_view TargetStateName(TargetState state) {
  switch (state) {
    case TargetState::kStarted:
      return "STARTED";
    case TargetState::kPaused:
      return "PAUSED";
    case TargetState::kStopped:
      return "STOPPED";
  }
  return "STARTED";
}

std::vector<const ConfigDef*> ConnectorConfigDefs() {
  return {&SinkConnectorConfigDef(), &bigquery::BigQuerySinkConfigDef(),
          &runtime::RuntimeConfigDef(), &bigquery::ErrorTableConfigDef(), &alert::AlertConfigDef()};
}

Config Shown(const Config& written) {
  Config out = written;
  for (auto& [k, v] : out) {
    if (absl::StrContains(v, "${")) continue;  // a reference: safe to show.
    if (IsSecretKey(k)) v = "[hidden]";
  }
  return out;
}

}  // namespace ferry::herder
