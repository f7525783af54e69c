# Warnings as errors for lambdakit's own code (never imposed on consumers through the targets).
function(lambdakit_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wimplicit-fallthrough -Wcast-qual -Wformat=2 -Wundef -Werror)
endfunction()

# Size flags for code that goes into function binaries.
function(lambdakit_small_code target)
  target_compile_options(${target} PRIVATE -ffunction-sections -fdata-sections)
endfunction()
