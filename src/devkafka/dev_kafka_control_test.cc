// The control protocol of ferry-dev-kafka, observed the way ferry sees a
// cluster: through a real client (Debian's librdkafka) over TCP.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/time/clock.h"
#include "devkafka/dev_kafka_process.h"
#include "devkafka/dev_kafka_test_util.h"
#include "kafka/producer.h"

namespace ferry::devkafka {
namespace {

using ::ferry::devkafka::testing::FetchMetadata;
using ::ferry::devkafka::testing::Produce;
using ::ferry::devkafka::testing::QueryWatermarks;
using ::testing::HasSubstr;

// 0 if a TCP connection to 127.0.0.1:port is accepted, else the errno.
int ConnectErrno(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int err = rc == 0 ? 0 : errno;
  close(fd);
  return err;
}

class DevKafkaControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DevKafkaOptions options;
    options.brokers = 3;
    options.topics = {"t:2:3"};
    auto started = DevKafkaProcess::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    kafka_ = std::move(*started);
    bootstrap_ = kafka_->bootstrap_servers();
  }

  // Produces one message to t[partition] without retries and returns its
  // delivery report error.
  rd_kafka_resp_err_t ProduceOne(int32_t partition, int message_timeout_ms = 5000) {
    auto result = Produce(
        bootstrap_, "t", 1, [=](int64_t) { return partition; }, [](int64_t) { return "m"; },
        {{"retries", "0"}, {"message.timeout.ms", std::to_string(message_timeout_ms)}},
        absl::Seconds(10));
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok() || result->errors.empty()) return RD_KAFKA_RESP_ERR_NO_ERROR;
    return result->errors.begin()->first;
  }

  std::unique_ptr<DevKafkaProcess> kafka_;
  std::string bootstrap_;
};

TEST_F(DevKafkaControlTest, PingAndBootstrap) {
  EXPECT_EQ(kafka_->Control("ping").value_or("?"), "pong");
  EXPECT_EQ(kafka_->Control("bootstrap").value_or("?"), bootstrap_);
  auto md = FetchMetadata(bootstrap_, "t", absl::Seconds(10));
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_EQ(md->brokers.size(), 3u);
  for (const auto& [id, hostport] : md->brokers) EXPECT_EQ(hostport.first, "127.0.0.1");
}

TEST_F(DevKafkaControlTest, MalformedCommandsAnswerErr) {
  for (const char* command :
       {"", "bogus", "broker down 9", "broker down x", "topic create a 0 1", "topic create a 1 4",
        "errors Nope 1 REQUEST_TIMED_OUT", "errors Produce 1 NOT_AN_ERROR", "errors Produce 0 7",
        "broker-errors 1 Produce 1 REQUEST_TIMED_OUT", "partition leader t 0 7"}) {
    auto reply = kafka_->Control(command);
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition)
        << "'" << command << "' -> " << reply.status();
  }
  EXPECT_EQ(kafka_->Control("ping").value_or("?"), "pong") << "still serving";
}

TEST_F(DevKafkaControlTest, TopicCreateIsVisibleInMetadata) {
  ASSERT_TRUE(kafka_->Control("topic create fresh 5 2").ok());
  auto md = FetchMetadata(bootstrap_, "fresh", absl::Seconds(10));
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_EQ(md->partitions.size(), 5u);
  auto again = kafka_->Control("topic create fresh 5 2");
  EXPECT_THAT(std::string(again.status().message()), HasSubstr("TOPIC_ALREADY_EXISTS"));
}

// The patched mock takes CreateTopics (v0-v4) as a controller does. The other
// side is an independent client, kafka-python's admin client.
TEST_F(DevKafkaControlTest, AnswersCreateTopicsFromAnIndependentAdminClient) {
  const std::string script = ::testing::TempDir() + "/create_topics.py";
  std::ofstream(script) << R"(import sys
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import InvalidReplicationFactorError, TopicAlreadyExistsError
servers = sys.argv[1].split(',')
admin = KafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=10000)
admin.create_topics([NewTopic('made', 6, 2)])
print('created')
try:
    admin.create_topics([NewTopic('made', 6, 2)])
except TopicAlreadyExistsError:
    print('exists')
try:
    admin.create_topics([NewTopic('over_replicated', 1, 4)])
except InvalidReplicationFactorError:
    print('invalid replication factor')
admin.create_topics([NewTopic('checked_only', 3, 1)], validate_only=True)
print('topics', ','.join(sorted(admin.list_topics())))
print('partitions', len(KafkaConsumer(bootstrap_servers=servers).partitions_for_topic('made')))
)";
  // Debian's python3 (python3-kafka), not whatever python3 comes first on PATH.
  const std::string command = "/usr/bin/python3 " + script + " " + bootstrap_ + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  const int rc = pclose(pipe);
  ASSERT_EQ(rc, 0) << output;
  EXPECT_EQ(output, "created\nexists\ninvalid replication factor\ntopics made,t\npartitions 6\n");
}

// What `ferry produce --partitions N` calls.
TEST_F(DevKafkaControlTest, EnsureTopicCreatesTheCountAskedAndRefusesADifferentOne) {
  ASSERT_TRUE(kafka::EnsureTopic(bootstrap_, "six", 6, 1).ok());
  auto md = FetchMetadata(bootstrap_, "six", absl::Seconds(10));
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_EQ(md->partitions.size(), 6u);
  EXPECT_TRUE(kafka::EnsureTopic(bootstrap_, "six", 6, 1).ok());
  absl::Status other = kafka::EnsureTopic(bootstrap_, "six", 4, 1);
  EXPECT_EQ(other.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(other.message(), "topic six already exists with 6 partitions, not 4");
  absl::Status too_many = kafka::EnsureTopic(bootstrap_, "wide", 1, 5);
  EXPECT_THAT(std::string(too_many.message()),
              HasSubstr("Invalid replication factor (38) (Replication factor is larger than"));
  // CreateTopicIfMissing (the dead-letter queue's) takes what exists.
  EXPECT_TRUE(kafka::CreateTopicIfMissing(bootstrap_, "six", 1, 1).ok());
  ASSERT_TRUE(kafka::CreateTopicIfMissing(bootstrap_, "dlq", 1, 1).ok());
  md = FetchMetadata(bootstrap_, "dlq", absl::Seconds(10));
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_EQ(md->partitions.size(), 1u);
}

TEST_F(DevKafkaControlTest, PartitionLeaderIsVisibleInMetadata) {
  for (int leader : {2, 3, 1}) {
    ASSERT_TRUE(kafka_->Control("partition leader t 0 " + std::to_string(leader)).ok());
    auto md = FetchMetadata(bootstrap_, "t", absl::Seconds(10));
    ASSERT_TRUE(md.ok()) << md.status();
    ASSERT_EQ(md->partitions.size(), 2u);
    EXPECT_EQ(md->partitions[0].leader, leader);
  }
}

TEST_F(DevKafkaControlTest, BrokerDownRefusesClientsUntilUp) {
  ASSERT_TRUE(kafka_->Control("partition leader t 0 2").ok());
  auto md = FetchMetadata(bootstrap_, "t", absl::Seconds(10));
  ASSERT_TRUE(md.ok()) << md.status();
  const int port2 = md->brokers.at(2).second;
  ASSERT_EQ(ConnectErrno(port2), 0);

  ASSERT_TRUE(kafka_->Control("broker down 2").ok());
  EXPECT_EQ(ConnectErrno(port2), ECONNREFUSED);
  // The leader of t[0] is unreachable: a message for it times out. (Not
  // rd_kafka_query_watermark_offsets: in librdkafka 2.0.2 it ignores its
  // timeout and blocks for minutes while the leader refuses connections.)
  EXPECT_EQ(ProduceOne(0, 1500), RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);
  // The other brokers keep serving.
  EXPECT_EQ(ConnectErrno(md->brokers.at(1).second), 0);

  ASSERT_TRUE(kafka_->Control("broker up 2").ok());
  EXPECT_EQ(ConnectErrno(port2), 0);
  EXPECT_EQ(ProduceOne(0), RD_KAFKA_RESP_ERR_NO_ERROR);
  auto marks = QueryWatermarks(bootstrap_, "t", 0, absl::Seconds(10));
  ASSERT_TRUE(marks.ok()) << marks.status();
  EXPECT_EQ(marks->second, 1) << "only the message sent while the broker was up";
}

TEST_F(DevKafkaControlTest, InjectedErrorsReachTheProducer) {
  // By name, then by number (29 = TOPIC_AUTHORIZATION_FAILED), each failing
  // exactly one Produce request; the next one succeeds.
  ASSERT_TRUE(kafka_->Control("errors Produce 1 TOPIC_AUTHORIZATION_FAILED").ok());
  EXPECT_EQ(ProduceOne(0), RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  EXPECT_EQ(ProduceOne(0), RD_KAFKA_RESP_ERR_NO_ERROR);

  ASSERT_TRUE(kafka_->Control("errors 0 1 29").ok());
  EXPECT_EQ(ProduceOne(1), RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  EXPECT_EQ(ProduceOne(1), RD_KAFKA_RESP_ERR_NO_ERROR);

  // Several errors are consumed in order.
  ASSERT_TRUE(kafka_->Control("errors produce 2 TOPIC_AUTHORIZATION_FAILED INVALID_RECORD").ok());
  EXPECT_EQ(ProduceOne(0), RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  EXPECT_EQ(ProduceOne(0), RD_KAFKA_RESP_ERR_INVALID_RECORD);
  EXPECT_EQ(ProduceOne(0), RD_KAFKA_RESP_ERR_NO_ERROR);
}

TEST_F(DevKafkaControlTest, BrokerErrorsApplyToOneBrokerWithTheirDelay) {
  ASSERT_TRUE(kafka_->Control("partition leader t 0 1").ok());
  ASSERT_TRUE(kafka_->Control("partition leader t 1 3").ok());
  ASSERT_TRUE(kafka_->Control("broker-errors 3 Produce 1 TOPIC_AUTHORIZATION_FAILED:300").ok());
  // Broker 1 is not affected.
  EXPECT_EQ(ProduceOne(0), RD_KAFKA_RESP_ERR_NO_ERROR);
  absl::Time start = absl::Now();
  EXPECT_EQ(ProduceOne(1), RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_EQ(ProduceOne(1), RD_KAFKA_RESP_ERR_NO_ERROR);
}

TEST_F(DevKafkaControlTest, ShutdownCommandStopsTheProcess) {
  auto reply = kafka_->Control("shutdown");
  ASSERT_TRUE(reply.ok()) << reply.status();
  auto code = kafka_->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  EXPECT_FALSE(kafka_->Control("ping").ok());
}

}  // namespace
}  // namespace ferry::devkafka
