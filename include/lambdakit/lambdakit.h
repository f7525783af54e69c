// The lambdakit handler API, all of it: include this one header.
#pragma once

#include "lambdakit/function_error.h"
#include "lambdakit/invocation.h"
#include "lambdakit/outcome.h"
#include "lambdakit/response.h"
#include "lambdakit/response_writer.h"
#include "lambdakit/run.h"
#include "lambdakit/version.h"
