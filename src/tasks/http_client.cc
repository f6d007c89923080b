#include "tasks/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <string_view>

namespace tactus::tasks::http_internal {
namespace {

// What the callbacks of one transfer collect.
struct Sink {
  Response* response = nullptr;
  std::size_t max_body_bytes = 0;
  std::size_t header_bytes = 0;
  bool too_large = false;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t n = size * count;
  if (sink->response->body.size() + n > sink->max_body_bytes) {
    sink->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  sink->response->body.append(data, n);
  return n;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Called once per header line, the status line included, for every response of the transfer
// (a "100 Continue" comes before the final one, so a status line starts the collection over).
std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t n = size * count;
  sink->header_bytes += n;
  if (sink->header_bytes > kMaxHttpHeaderBytes) {
    sink->too_large = true;
    return 0;
  }
  std::string_view line = Trim(std::string_view(data, n));
  Response& r = *sink->response;
  if (line.starts_with("HTTP/")) {
    r.headers.clear();
    r.reason.clear();
    // "HTTP/1.1 404 Not Found": the reason is whatever follows the code.
    std::size_t code = line.find(' ');
    std::size_t reason = code == std::string_view::npos ? code : line.find(' ', code + 1);
    if (reason != std::string_view::npos) r.reason = std::string(Trim(line.substr(reason + 1)));
    return n;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;  // the blank line, or junk
  r.headers.emplace_back(std::string(line.substr(0, colon)),
                         std::string(Trim(line.substr(colon + 1))));
  return n;
}

Failure Classify(CURLcode code, bool too_large) {
  if (too_large || code == CURLE_FILESIZE_EXCEEDED) return Failure::kTooLarge;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Failure::kTimeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return Failure::kConnect;
    default:
      return Failure::kOther;
  }
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

Client::Client() {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Client::~Client() {
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* Client::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void Client::Release(void* handle) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdleHandles) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

Exchange Client::Perform(const Request& request) {
  Exchange out;
  CURL* curl = static_cast<CURL*>(Acquire());
  if (!curl) {
    out.failure = Failure::kOther;
    out.message = "could not create an HTTP client handle (out of memory?)";
    return out;
  }
  // Reset clears every option of the previous request but keeps the handle's live
  // connections, TLS sessions and DNS cache: that is the reuse.
  curl_easy_reset(curl);

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next) {
      (void)headers.release();
      headers.reset(next);
    }
  };
  for (const auto& [name, value] : request.headers) {
    // "Name;" is libcurl's spelling of a header with an empty value ("Name:" would remove it).
    add_header(value.empty() ? name + ";" : name + ": " + value);
  }
  // Without this libcurl sends "Expect: 100-continue" before larger bodies and waits a round
  // trip (or a second) for the server's go-ahead.
  add_header("Expect:");

  Sink sink;
  sink.response = &out.response;
  sink.max_body_bytes = request.max_body_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(request.connect_timeout, request.timeout).count()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    // Refuses a body whose Content-Length is over the limit before reading any of it. Not for
    // HEAD, whose Content-Length describes a body that is never sent.
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.max_body_bytes));
    if (request.method != "GET" || request.body) {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }
  if (request.body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body->size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body->data());
  }

  CURLcode code = curl_easy_perform(curl);
  long connects = 0;
  if (curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0) {
    connections_opened_ += static_cast<std::size_t>(connects);
  }
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    out.response.status = static_cast<int>(status);
    if (out.response.reason.empty()) out.response.reason = StandardReason(out.response.status);
  } else {
    out.failure = Classify(code, sink.too_large);
    out.message = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
    out.response = Response{};
  }
  // The options point into this frame (error buffer, sink, headers): drop them before the handle
  // waits in the pool.
  curl_easy_reset(curl);
  Release(curl);
  return out;
}

std::string BuildUrl(std::string_view url, std::string_view query, std::string* error) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> h(curl_url(), &curl_url_cleanup);
  if (!h) {
    *error = "could not be parsed (out of memory)";
    return "";
  }
  std::string text(url);
  if (text.find('\0') != std::string::npos) {
    *error = "must not contain NUL characters";
    return "";
  }
  if (CURLUcode rc = curl_url_set(h.get(), CURLUPART_URL, text.c_str(), 0); rc != CURLUE_OK) {
    *error = "is not a valid absolute URL (" + std::string(curl_url_strerror(rc)) + ")";
    return "";
  }
  auto get = [&](CURLUPart part) {
    char* value = nullptr;
    std::string out;
    if (curl_url_get(h.get(), part, &value, 0) == CURLUE_OK && value) out = value;
    curl_free(value);
    return out;
  };
  std::string scheme = get(CURLUPART_SCHEME);
  if (scheme != "http" && scheme != "https") {
    *error = "must be an http:// or https:// URL, not " + scheme + "://";
    return "";
  }
  if (get(CURLUPART_HOST).empty()) {
    *error = "has no host";
    return "";
  }
  // A fragment is never sent; dropping it lets the query be appended at the end. The query is
  // appended here rather than by libcurl, which would rewrite its percent-encoding in lower case.
  curl_url_set(h.get(), CURLUPART_FRAGMENT, nullptr, 0);
  bool had_query = !get(CURLUPART_QUERY).empty();
  std::string out = get(CURLUPART_URL);
  if (!query.empty()) {
    out += had_query ? '&' : '?';
    out += query;
  }
  return out;
}

std::string_view StandardReason(int status) {
  static constexpr std::pair<int, std::string_view> kReasons[] = {
      {100, "Continue"},
      {101, "Switching Protocols"},
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {203, "Non-Authoritative Information"},
      {204, "No Content"},
      {205, "Reset Content"},
      {206, "Partial Content"},
      {300, "Multiple Choices"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {303, "See Other"},
      {304, "Not Modified"},
      {307, "Temporary Redirect"},
      {308, "Permanent Redirect"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {402, "Payment Required"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {406, "Not Acceptable"},
      {407, "Proxy Authentication Required"},
      {408, "Request Timeout"},
      {409, "Conflict"},
      {410, "Gone"},
      {411, "Length Required"},
      {412, "Precondition Failed"},
      {413, "Payload Too Large"},
      {414, "URI Too Long"},
      {415, "Unsupported Media Type"},
      {416, "Range Not Satisfiable"},
      {417, "Expectation Failed"},
      {421, "Misdirected Request"},
      {422, "Unprocessable Entity"},
      {425, "Too Early"},
      {426, "Upgrade Required"},
      {428, "Precondition Required"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {451, "Unavailable For Legal Reasons"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Timeout"},
      {505, "HTTP Version Not Supported"},
  };
  for (const auto& [code, reason] : kReasons) {
    if (code == status) return reason;
  }
  return "";
}

}  // namespace tactus::tasks::http_internal
