// `tactus executions history` and `tactus executions wait`: following one execution.
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "cli/executions.h"
#include "cli/output.h"

namespace tactus::cli {
namespace {

constexpr std::size_t kDetailChars = 100;
// Polls quickly at first, so short executions return at once, then settles at kSlowPoll.
constexpr auto kFastPoll = std::chrono::milliseconds(100);
constexpr auto kSlowPoll = std::chrono::milliseconds(500);
constexpr int kFastPolls = 20;

std::string EventId(const json::object& event) {
  auto* id = event.if_contains("id");
  return id ? common::SerializeJson(*id) : "";
}

std::size_t TerminalWidth() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 10) return size.ws_col;
  return 80;
}

// "12.3s RUNNING  #7 TaskStateEntered Charge", cut to the terminal's width.
std::string ProgressLine(double elapsed, const json::object* latest) {
  char head[32];
  std::snprintf(head, sizeof head, "%.1fs RUNNING", elapsed);
  std::string line = head;
  if (latest) {
    line += "  #" + EventId(*latest) + " " + Str(*latest, "type");
    if (auto detail = EventDetail(*latest, kDetailChars); !detail.empty()) line += " " + detail;
  }
  return OneLine(line, TerminalWidth() - 1);
}

}  // namespace

int RunHistory(const ExecutionArgs& a) {
  ApiClient client(a.remote.endpoint, CredentialsFor(a.remote));
  json::object params{{"executionArn", ExecutionArnFor(a.target, a.remote)}, {"maxResults", 1000}};
  auto all = CallAllPages(client, "GetExecutionHistory", params, "events");
  if (!all.ok()) return ReportError(all.error());
  if (a.remote.json) {
    PrintJson(*all);
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : all->at("events").as_array()) {
    const auto& o = e.as_object();
    rows.push_back({EventId(o), FormatTimestamp(o.if_contains("timestamp")), Str(o, "type"),
                    EventDetail(o, kDetailChars)});
  }
  PrintTable(std::cout, {"ID", "TIME", "TYPE", "DETAIL"}, rows);
  return 0;
}

int RunWait(const ExecutionArgs& a) {
  ApiClient client(a.remote.endpoint, CredentialsFor(a.remote));
  std::string arn = ExecutionArnFor(a.target, a.remote);
  const bool progress = isatty(STDERR_FILENO) == 1;
  bool shown = false;
  auto clear = [&] {
    if (shown) std::cerr << "\r\x1b[K" << std::flush;
    shown = false;
  };
  const auto start = std::chrono::steady_clock::now();
  for (int polls = 0;; ++polls) {
    auto d = client.Call("DescribeExecution", {{"executionArn", arn}});
    if (!d.ok()) {
      clear();
      return ReportError(d.error());
    }
    if (Str(*d, "status") != "RUNNING") {
      clear();
      return PrintOutcome(a.remote, *d);
    }
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (a.timeout_seconds > 0 && elapsed >= a.timeout_seconds) {
      clear();
      std::cerr << "tactus: " << arn << " is still RUNNING after " << a.timeout_seconds << " s\n";
      return 1;
    }
    if (progress) {
      auto latest = client.Call("GetExecutionHistory", {{"executionArn", arn},
                                                        {"reverseOrder", true},
                                                        {"maxResults", 1},
                                                        {"includeExecutionData", false}});
      const json::object* event = nullptr;
      if (latest.ok()) {
        auto* events = latest->if_contains("events");
        if (events && events->is_array() && !events->as_array().empty() &&
            events->as_array()[0].is_object()) {
          event = &events->as_array()[0].as_object();
        }
      }
      std::cerr << "\r\x1b[K" << ProgressLine(elapsed, event) << std::flush;
      shown = true;
    }
    std::this_thread::sleep_for(polls < kFastPolls ? kFastPoll : kSlowPoll);
  }
}

}  // namespace tactus::cli
