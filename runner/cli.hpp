#pragma once
// The whole `p2p` command line as one call, so a program of one's own (one that registers a join
// rule of its own, say) hands over to every subcommand and flag of `p2p` without repeating them.

namespace p2p::cli {

// Parses argv (argv[0] is the program's name) and runs the subcommand it names, exactly as the
// `p2p` executable does. Returns the exit status: 0 on success, 2 for invalid input (one line on
// stderr), 1 for any other failure. `plot` ends the process with the plotting script's status
// when that is not 0.
int main(int argc, char** argv);

}  // namespace p2p::cli
