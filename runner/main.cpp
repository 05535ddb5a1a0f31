// The `p2p` executable: the library's command line (runner/cli.hpp), nothing more.
#include "runner/cli.hpp"

int main(int argc, char** argv) {
  return p2p::cli::main(argc, argv);
}
