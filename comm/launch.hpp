// Moved to the public include/burst/launch.hpp; kept so existing includes keep working.
#pragma once

#include "burst/launch.hpp"
