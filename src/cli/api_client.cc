#include "cli/api_client.h"

#include <curl/curl.h>

#include <chrono>
#include <mutex>
#include <utility>

namespace tactus::cli {
namespace {

// Long enough for any action of the API, which answers at once except GetActivityTask (60 s).
constexpr long kConnectTimeoutSeconds = 10;
constexpr long kRequestTimeoutSeconds = 90;
constexpr std::size_t kBodyExcerptBytes = 200;

std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string StringMember(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string_view SigningServiceFor(std::string_view path) {
  if (path == "/schedules" || path.starts_with("/schedules/") || path.starts_with("/schedules?")) {
    return "scheduler";
  }
  if (path == "/v1" || path.starts_with("/v1/")) return "tactus";
  return "states";
}

namespace {

// "host[:port]" and the path of a URL ("http://h:1/base" -> "h:1", "/base").
std::pair<std::string, std::string> HostAndPath(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  auto slash = url.find('/');
  if (slash == std::string_view::npos) return {std::string(url), "/"};
  return {std::string(url.substr(0, slash)), std::string(url.substr(slash))};
}

}  // namespace

api::ApiError ErrorFromResponse(int http_status, std::string_view body) {
  auto parsed = common::ParseJson(body);
  if (parsed.ok() && parsed->is_object()) {
    const auto& o = parsed->as_object();
    std::string code = StringMember(o, "__type");
    if (auto hash = code.rfind('#'); hash != std::string::npos) code.erase(0, hash + 1);
    if (auto colon = code.find(':'); colon != std::string::npos) code.erase(colon);
    std::string message = StringMember(o, "message");
    if (message.empty()) message = StringMember(o, "Message");
    if (!code.empty()) return api::ApiError{code, message, http_status};
  }
  std::string excerpt(body.substr(0, kBodyExcerptBytes));
  return api::ApiError{
      "HttpError",
      "HTTP " + std::to_string(http_status) + (excerpt.empty() ? std::string() : ": " + excerpt),
      http_status};
}

struct ApiClient::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

ApiClient::ApiClient(std::string endpoint, ClientCredentials credentials)
    : endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      handle_(std::make_unique<Handle>()) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  handle_->curl = curl_easy_init();
}

ApiClient::~ApiClient() = default;

api::ApiResult<std::pair<int, std::string>> ApiClient::Perform(
    std::string_view method, const std::string& url, const std::vector<std::string>& headers,
    const std::string* body, std::string_view service) {
  CURL* curl = handle_->curl;
  if (!curl) return api::ApiError{std::string(kEndpointConnectionError), "libcurl failed", 0};
  std::string response;
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  if (credentials_.keys) {
    auto [host, target] = HostAndPath(url);
    std::vector<auth::Header> to_sign{{"Host", host}};
    for (const auto& h : headers) {
      auto colon = h.find(':');
      std::string value = h.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      to_sign.emplace_back(h.substr(0, colon), value);
    }
    auth::SigV4SignOptions sign;
    sign.region = credentials_.region;
    sign.service = std::string(service);
    sign.now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto added = auth::SignSigV4(
        auth::SigV4Request{method, target, to_sign, body ? std::string_view(*body) : ""},
        *credentials_.keys, sign);
    if (!added.ok()) {
      curl_slist_free_all(list);
      return api::ApiError{"SigningError", "cannot sign the request: " + added.status().message(),
                           0};
    }
    list = curl_slist_append(list, ("Host: " + host).c_str());
    for (const auto& [name, value] : *added) {
      list = curl_slist_append(list, (name + ": " + value).c_str());
    }
  }
  // libcurl would otherwise wait for "100 Continue" before sending bodies over 1 KiB.
  list = curl_slist_append(list, "Expect:");
  std::string verb(method);
  char error_text[CURL_ERROR_SIZE] = "";
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  if (body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  if (verb != (body ? "POST" : "GET")) curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, verb.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, kRequestTimeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    std::string reason = error_text[0] ? error_text : curl_easy_strerror(rc);
    return api::ApiError{std::string(kEndpointConnectionError),
                         "cannot reach " + endpoint_ + ": " + reason, 0};
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  return std::make_pair(static_cast<int>(status), std::move(response));
}

api::ApiResult<json::object> ApiClient::Call(std::string_view action, const json::object& params) {
  std::string url = endpoint_;
  if (url.empty() || url.back() != '/') url += '/';
  std::string request = common::SerializeJson(params);
  auto answer = Perform("POST", url,
                        {"X-Amz-Target: AWSStepFunctions." + std::string(action),
                         "Content-Type: application/x-amz-json-1.0"},
                        &request, "states");
  if (!answer.ok()) return std::move(answer).error();
  auto& [status, response] = *answer;
  if (status != 200) return ErrorFromResponse(status, response);
  auto parsed = common::ParseJson(response);
  if (!parsed.ok() || !parsed->is_object()) {
    return api::ApiError{
        "SerializationException",
        "the answer to " + std::string(action) + " from " + endpoint_ + " is not a JSON object",
        status};
  }
  return std::move(parsed->as_object());
}

api::ApiResult<json::object> ApiClient::Rest(std::string_view method, std::string_view path,
                                             const json::object* body) {
  std::string url = endpoint_;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += path;
  std::string request;
  if (body) request = common::SerializeJson(*body);
  auto answer = Perform(method, url, {"Content-Type: application/json"}, body ? &request : nullptr,
                        SigningServiceFor(path));
  if (!answer.ok()) return std::move(answer).error();
  auto& [status, response] = *answer;
  if (status < 200 || status > 299) return ErrorFromResponse(status, response);
  if (response.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  auto parsed = common::ParseJson(response);
  if (!parsed.ok() || !parsed->is_object()) {
    return api::ApiError{"SerializationException",
                         "the answer to " + std::string(method) + " " + std::string(path) +
                             " from " + endpoint_ + " is not a JSON object",
                         status};
  }
  return std::move(parsed->as_object());
}

std::string ApiClient::Escape(std::string_view text) {
  std::string out;
  if (char* escaped = curl_easy_escape(handle_->curl, text.data(), static_cast<int>(text.size()))) {
    out = escaped;
    curl_free(escaped);
  }
  return out;
}

}  // namespace tactus::cli
