// The conformance suite on every built-in rule, with its defaults and with other parameters.
#include "sim/rule_conformance.hpp"

INSTANTIATE_TEST_SUITE_P(BuiltIn, RuleConformance,
                         ::testing::Values("seed", "seed:any_ack=0", "inverse_degree",
                                           "inverse_degree:warmup=3", "fixed", "fixed:p=0.2",
                                           "random_walk", "random_walk:length=4", "degree_capped",
                                           "degree_capped:d=4", "mh_walk", "mh_walk:length=3",
                                           "hyparview", "hyparview:active=4,passive=10,warmup=0"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param)
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });
