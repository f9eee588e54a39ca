// Kafka Connect's REST API (Kafka 3.9, the endpoints that apply to sink
// connectors) on a Router, answered by a Herder: Connect's paths, status
// codes, JSON shapes and {"error_code","message"} bodies. Secrets never
// leave the worker: configs are shown as herder::Shown() makes them.
#ifndef FERRY_REST_CONNECT_API_H_
#define FERRY_REST_CONNECT_API_H_

#include <memory>
#include <string>

#include "herder/herder.h"
#include "rest/router.h"

namespace ferry::rest {

struct ConnectApiOptions {
  // GET / : "version" is the Kafka Connect REST API level ferry implements
  // (clients gate features on it), "commit" names ferry's build.
  std::string version = "3.9.0";
  std::string commit;
  // The base URL for Location headers ("http://host:8083").
  std::string advertised_url;
};

// `herder` outlives the router.
std::shared_ptr<Router> ConnectRouter(herder::Herder* herder, ConnectApiOptions options);

// The plugin classes ferry has (GET /connector-plugins).
inline constexpr char kBigQuerySinkClass[] =
    "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector";

}  // namespace ferry::rest

#endif  // FERRY_REST_CONNECT_API_H_
