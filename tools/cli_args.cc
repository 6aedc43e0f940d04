#include "tools/cli_args.h"

namespace kpu::tools {

ParsedArgs ParseArgs(int argc, char** argv, const std::set<std::string>& valued, const std::set<std::string>& flags) {
  ParsedArgs out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') {
      out.positional.push_back(arg);
      continue;
    }
    std::string key = arg, value;
    bool has_value = false;
    const size_t eq = arg.find('=');
    if (eq != std::string::npos && arg.rfind("--", 0) == 0) {
      key = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    if (flags.count(key) && !has_value) {
      out.flags.insert(key);
    } else if (valued.count(key)) {
      if (!has_value) {
        if (i + 1 >= argc) {
          out.error = "option " + key + " needs a value";
          return out;
        }
        value = argv[++i];
      }
      out.values[key].push_back(value);
    } else {
      out.error = "unknown option " + arg;
      return out;
    }
  }
  return out;
}

}  // namespace kpu::tools
