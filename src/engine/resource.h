// How a Task's Resource ARN maps to history event families and callback behaviour.
#pragma once

#include <string>
#include <string_view>

namespace tactus::engine {

enum class ResourceKind {
  kService,   // arn:<partition>:states:::<service>:<action>[.sync|.waitForTaskToken] -> Task*
  kLambda,    // arn:<partition>:lambda:<region>:<account>:function:<name> -> LambdaFunction*
  kActivity,  // arn:<partition>:states:<region>:<account>:activity:<name> -> Activity*
};

ResourceKind ClassifyResource(std::string_view resource);

// True for ".waitForTaskToken" integrations: the engine mints a task token for $$.Task.Token.
bool IsCallbackResource(std::string_view resource);

// AWS's (resourceType, resource) split used in Task* event details:
// "arn:aws:states:::lambda:invoke" -> ("lambda", "invoke");
// "arn:aws:states:::aws-sdk:s3:getObject" -> ("aws-sdk:s3", "getObject").
// Other ARNs are returned whole as the resource with an empty type.
std::pair<std::string, std::string> SplitResource(std::string_view resource);

std::string ScheduledEventType(ResourceKind kind);
std::string StartedEventType(ResourceKind kind);
std::string SucceededEventType(ResourceKind kind);
std::string FailedEventType(ResourceKind kind);
std::string TimedOutEventType(ResourceKind kind);

}  // namespace tactus::engine
