#include "cli/definitions.h"

#include <iostream>
#include <utility>

#include "common/json.h"

namespace tactus::cli {

int RestAndPrint(const RemoteOptions& options, const Collection& collection,
                 std::string_view method, const std::string& name, const json::object* body) {
  ApiClient client(options.endpoint, CredentialsFor(options));
  auto answer = client.Rest(method, std::string(collection.path) + "/" + client.Escape(name), body);
  if (!answer.ok()) return ReportError(answer.error());
  PrintJson(*answer);
  return 0;
}

std::optional<json::array> ListAll(const RemoteOptions& options, const Collection& collection) {
  ApiClient client(options.endpoint, CredentialsFor(options));
  json::array items;
  std::string token;
  while (true) {
    std::string path =
        std::string(collection.path) + "?MaxResults=" + std::to_string(collection.page_size);
    if (!token.empty()) path += "&NextToken=" + client.Escape(token);
    auto page = client.Rest("GET", path);
    if (!page.ok()) {
      ReportError(page.error());
      return std::nullopt;
    }
    if (auto* list = page->if_contains(collection.list_key); list && list->is_array()) {
      for (auto& item : list->as_array()) items.push_back(std::move(item));
    }
    auto* next = page->if_contains("NextToken");
    if (!next || !next->is_string() || next->as_string().empty() || next->as_string() == token) {
      return items;
    }
    token = std::string(next->as_string());
  }
}

int ListAndPrint(const RemoteOptions& options, const Collection& collection) {
  std::optional<json::array> items = ListAll(options, collection);
  if (!items) return 1;
  json::object all;
  all[collection.list_key] = std::move(*items);
  PrintJson(all);
  return 0;
}

int ModifyAndPrint(const RemoteOptions& options, const Collection& collection,
                   const std::string& name, const std::function<bool(json::object&)>& edit) {
  ApiClient client(options.endpoint, CredentialsFor(options));
  std::string path = std::string(collection.path) + "/" + client.Escape(name);
  auto current = client.Rest("GET", path);
  if (!current.ok()) return ReportError(current.error());
  if (!edit(*current)) return 2;
  auto answer = client.Rest("PUT", path, &*current);
  if (!answer.ok()) return ReportError(answer.error());
  PrintJson(*answer);
  return 0;
}

bool ParseJsonOption(const std::string& text, std::string_view what, json::value* out) {
  std::string content;
  if (!ReadArgumentOrFile(text, &content)) return false;
  auto parsed = common::ParseJson(content);
  if (!parsed.ok()) {
    std::cerr << "tactus: " << what << " is not JSON: " << parsed.status().message() << "\n";
    return false;
  }
  *out = std::move(parsed).value();
  return true;
}

}  // namespace tactus::cli
