#include "replay/progress.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace ferry::replay {
namespace {

TEST(RenderProgressLineTest, Points) {
  EXPECT_EQ(RenderProgressLine({.done = 0, .total = 10000, .elapsed = absl::ZeroDuration()}),
            "[          ] 0% 0/10,000 DLQ records");
  EXPECT_EQ(RenderProgressLine({.done = 5200, .total = 10000, .elapsed = absl::Seconds(4)}),
            "[#####     ] 52% 5,200/10,000 DLQ records  1,300/s  ETA 4s");
  EXPECT_EQ(RenderProgressLine({.done = 999, .total = 1000, .elapsed = absl::Seconds(999)}),
            "[######### ] 99% 999/1,000 DLQ records  1/s  ETA 1s");
  EXPECT_EQ(RenderProgressLine({.done = 10000, .total = 10000, .elapsed = absl::Seconds(8)}),
            "[##########] 100% 10,000/10,000 DLQ records  1,250/s  ETA 0s");
  EXPECT_EQ(RenderProgressLine(
                {.done = 10000, .total = 10000, .elapsed = absl::Seconds(8), .finished = true}),
            "[##########] 100% 10,000/10,000 DLQ records  1,250/s  in 8s");
  EXPECT_EQ(RenderProgressLine({.done = 150000, .total = 9000000, .elapsed = absl::Seconds(60)}),
            "[          ] 1% 150,000/9,000,000 DLQ records  2,500/s  ETA 59m00s");
}

TEST(RenderProgressLineTest, EdgeCases) {
  // Nothing to replay.
  EXPECT_EQ(RenderProgressLine(
                {.done = 0, .total = 0, .elapsed = absl::Milliseconds(5), .finished = true}),
            "[##########] 100% 0/0 DLQ records  in 1s");
  // More than the total (the count ran past an end offset): capped at 100%.
  EXPECT_EQ(RenderProgressLine({.done = 12, .total = 10, .elapsed = absl::Seconds(1)}),
            "[##########] 100% 12/10 DLQ records  12/s  ETA 0s");
  // Elapsed zero: no rate yet.
  EXPECT_EQ(RenderProgressLine({.done = 5, .total = 10, .elapsed = absl::ZeroDuration()}),
            "[#####     ] 50% 5/10 DLQ records");
  // Another width and unit.
  EXPECT_EQ(RenderProgressLine({.done = 1, .total = 4, .elapsed = absl::Seconds(2)},
                               {.bar_width = 4, .unit = "offsets"}),
            "[#   ] 25% 1/4 offsets  1/s  ETA 6s");
}

// A fake clock the test advances by hand.
class FakeClock {
 public:
  absl::Time Now() const { return now_; }
  void Advance(absl::Duration d) { now_ += d; }
  std::function<absl::Time()> AsFunction() {
    return [this] { return now_; };
  }

 private:
  absl::Time now_ = absl::FromUnixSeconds(1793491200);
};

std::string ReadAll(FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

TEST(ProgressBarTest, NoOutputWhenNotATerminal) {
  FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar(f, 100);  // decides by isatty: a regular file is not a terminal.
    EXPECT_FALSE(bar.interactive());
    bar.Update(10);
    bar.Advance(90);
    bar.Finish();
  }
  EXPECT_EQ(ReadAll(f), "");
  std::fclose(f);
}

TEST(ProgressBarTest, ForcedOffDrawsNothing) {
  FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar(f, 100, {.interactive = false});
    bar.Update(50);
    bar.Finish();
  }
  EXPECT_EQ(ReadAll(f), "");
  std::fclose(f);
}

TEST(ProgressBarTest, DrawsInPlaceThrottledAndFinishes) {
  FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  FakeClock clock;
  {
    ProgressBar bar(f, 10000, {.interactive = true, .clock = clock.AsFunction()});
    bar.Update(0);  // the first update always draws
    clock.Advance(absl::Milliseconds(50));
    bar.Update(100);  // throttled: 50ms since the last draw
    clock.Advance(absl::Milliseconds(50));
    bar.Update(200);  // 100ms: draws
    clock.Advance(absl::Milliseconds(99));
    bar.Advance(300);  // throttled
    clock.Advance(absl::Milliseconds(1));
    bar.Advance(9500);  // draws, 10,000 at 0.2s
    clock.Advance(absl::Milliseconds(1800));
    bar.Finish();   // two characters shorter than the line before: blanked
    bar.Finish();   // once only
    bar.Update(5);  // after Finish: nothing
  }
  EXPECT_EQ(ReadAll(f),
            "\r[          ] 0% 0/10,000 DLQ records"
            "\r[          ] 2% 200/10,000 DLQ records  2,000/s  ETA 5s"
            "\r[##########] 100% 10,000/10,000 DLQ records  50,000/s  ETA 0s"
            "\r[##########] 100% 10,000/10,000 DLQ records  5,000/s  in 2s  \n");
  std::fclose(f);
}

TEST(ProgressBarTest, ShorterLineBlanksTheRestOfTheLongerOne) {
  FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  FakeClock clock;
  {
    ProgressBar bar(f, 100,
                    {.interactive = true, .clock = clock.AsFunction(), .style = {.bar_width = 2}});
    clock.Advance(absl::Seconds(1));
    bar.Update(50);  // "[# ] 50% 50/100 DLQ records  50/s  ETA 1s"
    clock.Advance(absl::Seconds(99));
    bar.Update(60);  // "[# ] 60% 60/100 DLQ records  1/s  ETA 1m07s": one longer
    clock.Advance(absl::Seconds(1));
    bar.Update(99);  // "[# ] 99% 99/100 DLQ records  1/s  ETA 2s": three shorter
  }                  // destroyed unfinished: the line is ended.
  EXPECT_EQ(ReadAll(f),
            "\r[# ] 50% 50/100 DLQ records  50/s  ETA 1s"
            "\r[# ] 60% 60/100 DLQ records  1/s  ETA 1m07s"
            "\r[# ] 99% 99/100 DLQ records  1/s  ETA 2s   \n");
  std::fclose(f);
}

TEST(ProgressBarTest, ConcurrentAdvancesAreAllCounted) {
  FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  FakeClock clock;  // never advances: only the first and the final draw
  {
    ProgressBar bar(f, 40000, {.interactive = true, .clock = clock.AsFunction()});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&bar] {
        for (int i = 0; i < 10000; ++i) bar.Advance(1);
      });
    }
    for (std::thread& t : threads) t.join();
    bar.Finish();
  }
  const std::string out = ReadAll(f);
  EXPECT_EQ(out.substr(out.rfind('\r')), "\r[##########] 100% 40,000/40,000 DLQ records  in 0s\n");
  std::fclose(f);
}

// On a real terminal (a pseudo-terminal) the bar decides to draw by itself.
TEST(ProgressBarTest, DrawsOnATerminal) {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    if (master >= 0) close(master);
    GTEST_SKIP() << "no pseudo-terminal available";
  }
  FILE* slave = std::fopen(ptsname(master), "w");
  ASSERT_NE(slave, nullptr);
  {
    ProgressBar bar(slave, 10);
    EXPECT_TRUE(bar.interactive());
    bar.Update(3);
    bar.Finish();
  }
  std::fclose(slave);

  std::string seen;
  const std::string want = "[###       ] 30% 3/10 DLQ records";
  while (seen.find(want) == std::string::npos) {
    pollfd p{.fd = master, .events = POLLIN, .revents = 0};
    ASSERT_GT(poll(&p, 1, 5000), 0) << "nothing on the terminal; got: " << seen;
    char buf[256];
    ssize_t n = read(master, buf, sizeof buf);
    ASSERT_GT(n, 0);
    seen.append(buf, static_cast<size_t>(n));
  }
  close(master);
}

}  // namespace
}  // namespace ferry::replay
