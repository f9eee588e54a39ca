#pragma once

#include "config/config_def.h"

namespace ferry::runtime {

// ferry's own per-connector task keys (ferry.-prefixed, beside Connect's).
const ConfigDef& RuntimeConfigDef();

}  // namespace ferry::runtime
