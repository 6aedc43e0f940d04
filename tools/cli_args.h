// A small command-line parser for the tools: positional arguments, --flag, --key value and
// --key=value, repeated keys kept in order. Unknown options are errors.
#ifndef TOOLS_CLI_ARGS_H_
#define TOOLS_CLI_ARGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

namespace kpu::tools {

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> flags;
  std::string error;  // empty when parsing succeeded

  bool Has(const std::string& key) const { return flags.count(key) || values.count(key); }
  std::string Get(const std::string& key, const std::string& fallback = "") const {
    auto it = values.find(key);
    return it == values.end() ? fallback : it->second.back();
  }
  std::vector<std::string> All(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? std::vector<std::string>{} : it->second;
  }
};

// `valued` lists options that take a value ("-o" and "--output" may both be listed), `flags`
// those that do not.
ParsedArgs ParseArgs(int argc, char** argv, const std::set<std::string>& valued, const std::set<std::string>& flags);

}  // namespace kpu::tools

#endif  // TOOLS_CLI_ARGS_H_
