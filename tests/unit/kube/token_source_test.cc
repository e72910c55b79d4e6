#include "operator/kube/token_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/fakes/fake_clock.h"

namespace aftershock::op {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;
using ::testing::HasSubstr;

class TokenSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("aftershock-token-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    token_file_ = (dir_ / "token").string();
  }

  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  void writeToken(const std::string& content) {
    std::ofstream(token_file_, std::ios::binary | std::ios::trunc) << content;
  }

  // The token, or the error message prefixed with "error: " so mismatches read well.
  static std::string current(TokenSource& source) {
    auto token = source.token();
    return token.ok() ? *token : "error: " + token.error().message;
  }

  fs::path dir_;
  std::string token_file_;
  testing::FakeClock clock_;
};

TEST_F(TokenSourceTest, StaticTokenIsReturnedUnchanged) {
  TokenSource source("static-token", "", clock_);

  EXPECT_EQ(current(source), "static-token");
  clock_.advance(seconds(3600));
  EXPECT_EQ(current(source), "static-token");
}

TEST_F(TokenSourceTest, NoTokenAtAllIsAnEmptyToken) {
  TokenSource source("", "", clock_);

  EXPECT_EQ(current(source), "");
}

TEST_F(TokenSourceTest, TokenFileIsReadOnFirstUseWithoutSurroundingWhitespace) {
  writeToken("  first\n");
  TokenSource source("", token_file_, clock_);

  EXPECT_EQ(current(source), "first");
}

TEST_F(TokenSourceTest, TokenFileIsRereadOnlyOnceTheRefreshPeriodHasPassed) {
  writeToken("first");
  TokenSource source("", token_file_, clock_);
  ASSERT_EQ(current(source), "first");

  writeToken("second");
  clock_.advance(seconds(59));
  EXPECT_EQ(current(source), "first");
  clock_.advance(seconds(1));
  EXPECT_EQ(current(source), "second");

  writeToken("third");
  clock_.advance(seconds(30));
  EXPECT_EQ(current(source), "second");
  clock_.advance(seconds(30));
  EXPECT_EQ(current(source), "third");
}

TEST_F(TokenSourceTest, RefreshPeriodIsConfigurable) {
  writeToken("first");
  TokenSource source("", token_file_, clock_, seconds(5));
  ASSERT_EQ(current(source), "first");

  writeToken("second");
  clock_.advance(seconds(5));
  EXPECT_EQ(current(source), "second");
}

TEST_F(TokenSourceTest, LastGoodTokenIsKeptWhenARereadFails) {
  writeToken("good");
  TokenSource source("", token_file_, clock_);
  ASSERT_EQ(current(source), "good");

  fs::remove(token_file_);
  clock_.advance(seconds(60));
  EXPECT_EQ(current(source), "good");

  writeToken("");  // an empty file is a failed read too
  clock_.advance(seconds(60));
  EXPECT_EQ(current(source), "good");
}

TEST_F(TokenSourceTest, FailedRereadIsRetriedOnTheNextCall) {
  writeToken("good");
  TokenSource source("", token_file_, clock_);
  ASSERT_EQ(current(source), "good");
  fs::remove(token_file_);
  clock_.advance(seconds(60));
  ASSERT_EQ(current(source), "good");

  writeToken("rotated");
  EXPECT_EQ(current(source), "rotated");
}

TEST_F(TokenSourceTest, FirstReadFailingIsAnError) {
  TokenSource source("", token_file_, clock_);

  auto token = source.token();

  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, common::ErrorCode::kUnavailable);
  EXPECT_THAT(token.error().message, HasSubstr(token_file_));
}

TEST_F(TokenSourceTest, StaticTokenIsTheFallbackUntilTheFileCanBeRead) {
  TokenSource source("initial", token_file_, clock_);
  EXPECT_EQ(current(source), "initial");

  writeToken("from-file");
  EXPECT_EQ(current(source), "from-file");
}

TEST_F(TokenSourceTest, ReadTokenFileRejectsAnEmptyFile) {
  writeToken(" \n");

  auto token = readTokenFile(token_file_);

  ASSERT_FALSE(token.ok());
  EXPECT_THAT(token.error().message, HasSubstr("empty"));
}

TEST_F(TokenSourceTest, ConcurrentCallersAlwaysGetAWholeToken) {
  writeToken("token-a");
  TokenSource source("", token_file_, clock_, seconds(1));
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto token = source.token();
        if (!token.ok() || (*token != "token-a" && *token != "token-b")) ++bad;
      }
    });
  }
  for (int round = 0; round < 200; ++round) {
    // Swapped in by rename, as the kubelet does, so a reader never sees a half-written file.
    const std::string next = (dir_ / "next").string();
    std::ofstream(next, std::ios::binary | std::ios::trunc)
        << (round % 2 == 0 ? "token-b" : "token-a");
    fs::rename(next, token_file_);
    clock_.advance(seconds(1));
  }
  stop = true;
  for (auto& reader : readers) reader.join();

  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace aftershock::op
