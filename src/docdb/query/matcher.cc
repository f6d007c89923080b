#include "docdb/query/matcher.h"

#include "docdb/bson_util.h"
#include "docdb/query/match_nodes.h"
#include "docdb/query/match_parse.h"

namespace tactus::docdb::query {

struct Matcher::State {
  BsonPtr filter;  // the nodes keep views into it
  internal::NodePtr root;
};

Matcher::Matcher(std::shared_ptr<const State> state) : state_(std::move(state)) {}

DbResult<Matcher> Matcher::Compile(const bson_t* filter) {
  auto state = std::make_shared<State>();
  state->filter = CopyBson(filter);
  auto root = internal::ParseFilter(state->filter.get());
  if (!root.ok()) return root.error();
  state->root = std::move(root).value();
  return Matcher(std::move(state));
}

DbResult<bool> Matcher::Matches(const bson_t* doc, MatchDetails* details) const {
  internal::MatchContext ctx;
  MatchDetails local;
  ctx.details = &local;
  bool matched = state_->root->Matches(DocumentValue(doc), &ctx);
  if (ctx.error) return *std::move(ctx.error);
  if (details != nullptr) *details = matched ? local : MatchDetails{};
  return matched;
}

const bson_t* Matcher::filter() const { return state_->filter.get(); }

}  // namespace tactus::docdb::query
