#include "tools/commands.hpp"
#include <cstdio>
namespace ballast::cli {
int run_replay(int, char**) { std::fprintf(stderr, "replay: not built yet\n"); return 2; }
}
