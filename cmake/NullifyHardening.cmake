# Compiler and linker hardening for everything this project builds (NULLIFY_HARDENING, ON by
# default). The asan and fuzz presets turn it off: those builds find bugs and are never shipped,
# and the sanitizers bring checks of their own (_FORTIFY_SOURCE would hide accesses from ASan).
# Included from the top-level CMakeLists.txt before any target.
#
# One place for every platform, so the .deb/.rpm, the AppImage, the macOS and the Windows builds
# (packaging/) and the test builds are hardened alike:
#   GCC/Clang, Linux:  -fstack-protector-strong, -D_FORTIFY_SOURCE=2 (optimised builds only: it needs
#                      -O), -fstack-clash-protection, -fcf-protection (x86-64 only), PIE,
#                      -z relro -z now. Debian's dpkg-buildflags (scripts/build-packages.sh) gives
#                      the stack protector, fortify, relro and now on bookworm, not the last two.
#   Apple Clang:       -fstack-protector-strong, -D_FORTIFY_SOURCE=2; PIE is the platform default.
#   MSVC:              /GS, /guard:cf; linker /guard:cf /DYNAMICBASE /HIGHENTROPYVA /CETCOMPAT.
# tests/packaging/check-hardening.sh checks the packaged binary with hardening-check.

option(NULLIFY_HARDENING "Build with the platform's stack, fortify, control-flow and relocation hardening" ON)
if(NOT NULLIFY_HARDENING)
    return()
endif()

if(MSVC)
    add_compile_options(/GS /guard:cf)
    add_link_options(/guard:cf /DYNAMICBASE)
    # 64-bit only: high-entropy ASLR and the CET shadow-stack compatibility mark.
    if(CMAKE_SIZEOF_VOID_P EQUAL 8)
        add_link_options(/HIGHENTROPYVA /CETCOMPAT)
    endif()
elseif(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    add_compile_options(-fstack-protector-strong)
    # Not twice: dpkg-buildflags may already have set it in CMAKE_CXX_FLAGS, perhaps to another level.
    if(NOT CMAKE_CXX_FLAGS MATCHES "_FORTIFY_SOURCE")
        add_compile_definitions($<$<CONFIG:Release,RelWithDebInfo,MinSizeRel>:_FORTIFY_SOURCE=2>)
    endif()
    include(CheckPIESupported)
    check_pie_supported()
    set(CMAKE_POSITION_INDEPENDENT_CODE ON)
    if(NOT APPLE)
        add_compile_options(-fstack-clash-protection)
        if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
            add_compile_options(-fcf-protection)
        endif()
        add_link_options(LINKER:-z,relro LINKER:-z,now)
    endif()
endif()
