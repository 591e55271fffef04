# nullify_add_test(<name> SOURCES <files...> [LIBRARIES <targets...>] [LAUNCHER <cmd...>]
#                  [LABELS <labels...>] [TIMEOUT <seconds>] [ENVIRONMENT <VAR=value...>])
#
# The one way tests are registered: a Qt Test executable, run by CTest with the offscreen
# platform (so widget tests never need a display) and with logging rules that keep output short.
# LAUNCHER wraps the run, for example in a private D-Bus session with an unlocked keyring.
# ENVIRONMENT adds variables for this test. EXISTING <target> reuses that executable instead of
# building one: one binary run in two environments.
function(nullify_add_test name)
    cmake_parse_arguments(ARG "" "TIMEOUT;EXISTING" "SOURCES;LIBRARIES;LAUNCHER;LABELS;ENVIRONMENT" ${ARGN})
    set(target ${name})
    if(ARG_EXISTING)
        set(target ${ARG_EXISTING})
    else()
        add_executable(${name} ${ARG_SOURCES})
        target_link_libraries(${name} PRIVATE Qt6::Test ${ARG_LIBRARIES})
        # tests/support's headers, NULLIFY_SKIP_ENV (environmentskip.h) among them, for every test.
        target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
    endif()
    add_test(NAME ${name} COMMAND ${ARG_LAUNCHER} $<TARGET_FILE:${target}>)
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 240)
    endif()
    set_tests_properties(${name} PROPERTIES
        TIMEOUT ${ARG_TIMEOUT}
        LABELS "${ARG_LABELS}"
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;QT_LOGGING_RULES=nullify.*.debug=false;${ARG_ENVIRONMENT}")
endfunction()
