#pragma once

// A local webhook receiver for alert tests (cpp-httplib on 127.0.0.1).

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "alert/clock.h"

namespace ferry::alert::testing {

struct Received {
  std::string path;  // With the query.
  std::string body;
  std::string content_type;
  absl::Time at;  // On the delivery clock.
};

struct Reply {
  int status = 200;
  std::string body = "ok";
  std::string retry_after;  // Sent when not empty.
};

// A webhook receiver: records every POST, answers the scripted replies in
// order and then 200 "ok"; while held, requests wait for Release().
class Receiver {
 public:
  explicit Receiver(Clock* clock) : clock_(clock) {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::unique_lock<std::mutex> lock(mu_);
      std::string path = req.path;
      if (!req.params.empty()) {
        std::string query;
        for (const auto& [k, v] : req.params)
          absl::StrAppend(&query, query.empty() ? "?" : "&", k, "=", v);
        path += query;
      }
      received_.push_back({path, req.body, req.get_header_value("Content-Type"), clock_->Now()});
      cv_.notify_all();
      cv_.wait_for(lock, std::chrono::seconds(30), [this] { return !held_; });
      Reply reply;
      if (!script_.empty()) {
        reply = script_.front();
        script_.erase(script_.begin());
      }
      res.status = reply.status;
      if (!reply.retry_after.empty()) res.set_header("Retry-After", reply.retry_after);
      res.set_content(reply.body, "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  }
  ~Receiver() {
    Release();
    server_.stop();
    thread_.join();
  }

  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  int port() const { return port_; }
  void Script(std::vector<Reply> replies) {
    std::lock_guard<std::mutex> lock(mu_);
    script_ = std::move(replies);
  }
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
    cv_.notify_all();
  }
  bool WaitFor(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
  }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  std::vector<Received> received(const std::string& path) {
    std::vector<Received> out;
    for (Received& r : received()) {
      if (r.path == path) out.push_back(std::move(r));
    }
    return out;
  }

 private:
  Clock* clock_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> received_;
  std::vector<Reply> script_;
  bool held_ = false;
};

}  // namespace ferry::alert::testing
