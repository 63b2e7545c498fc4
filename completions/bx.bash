# bash completion for bxanalyze and bxlive (installed as
# share/bash-completion/completions/bxanalyze and .../bxlive).
#
# The options come from the program's own --help, read once per shell, so
# they are never out of step with the installed program. bxlive's PRESET
# also completes the names of installed presets (see `bxlive --help`).

_bx_options()
{
    local prog=$1 var
    var=_bx_opts_${prog//[^a-zA-Z0-9]/_}
    if [[ -z ${!var-} ]]; then
        printf -v "$var" '%s' "$("$prog" --help 2>/dev/null |
            grep -oE -- '(^|[][ ,|])--?[a-zA-Z][a-zA-Z0-9-]*' |
            sed -E 's/^[][ ,|]//' | sort -u | tr '\n' ' ')"
    fi
    printf '%s' "${!var}"
}

_bx_audio_files()
{
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    COMPREPLY=($(compgen -f -X '!*.@(wav|WAV|wave|w64|rf64|aif|aiff|aifc|flac|ogg|oga|opus|caf|au|snd|mp3|MP3|FLAC)' -- "$1")
               $(compgen -d -- "$1"))
}

_bx_preset_names()
{
    local d dirs=()
    if [[ ${XDG_DATA_HOME-} == /* ]]; then
        dirs+=("$XDG_DATA_HOME/bx/presets")
    elif [[ -n ${HOME-} ]]; then
        dirs+=("$HOME/.local/share/bx/presets")
    fi
    local self
    self=$(command -v bxlive 2>/dev/null) && dirs+=("${self%/bin/*}/share/bx/presets")
    for d in "${dirs[@]}"; do
        [[ -d $d ]] || continue
        for f in "$d"/*.json; do
            [[ -f $f ]] && f=${f##*/} && printf '%s\n' "${f%.json}"
        done
    done
}

_bxanalyze()
{
    local cur prev
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    case $prev in
    --source | --paired) _bx_audio_files "$cur"; return ;;
    -o | --output | --plot)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    --export)
        local done=${cur%"${cur##*,}"} fmts="apo easyeffects sox ffmpeg pedalboard"
        COMPREPLY=($(compgen -P "$done" -W "$fmts" -- "${cur##*,}"))
        return
        ;;
    --name | --bands | --amount | --smoothing | --export-rate | --start | --end | \
        --source-start | --source-end | -j | --jobs) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_bx_options "${COMP_WORDS[0]}")" -- "$cur"))
        return
    fi
    _bx_audio_files "$cur"
    COMPREPLY+=($(compgen -f -X '!*.json' -- "$cur")) # a preset to convert (--export)
}

_bxlive()
{
    local cur prev i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    case $prev in
    --host)
        COMPREPLY=($(compgen -W "asio wasapi wdmks directsound mme coreaudio alsa jack" -- "$cur"))
        return
        ;;
    --duplex) COMPREPLY=($(compgen -W "joint split" -- "$cur")); return ;;
    --bits) COMPREPLY=($(compgen -W "16 24 32 float" -- "$cur")); return ;;
    --render) _bx_audio_files "$cur"; return ;;
    --record | --record-dry | --save)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    --input | --output | --in-channel | --out-channels | --rate | --buffer | --duration | \
        --learn | --block | --start | --end) return ;;
    esac
    # the word after --render's input is its output
    if ((COMP_CWORD >= 3)) && [[ ${COMP_WORDS[COMP_CWORD - 2]} == --render ]]; then
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_bx_options "${COMP_WORDS[0]}")" -- "$cur"))
        return
    fi
    # PRESET: a .json file or an installed preset's name, unless given already
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        --host | --duplex | --bits | --record | --record-dry | --save | --input | --output | \
            --in-channel | --out-channels | --rate | --buffer | --duration | --learn | --block | \
                --start | --end)
            ((i++)) ;;
        --render) ((i += 2)) ;;
        -*) ;;
        *) return ;;
        esac
    done
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur")
               $(compgen -W "$(_bx_preset_names)" -- "$cur"))
}

complete -F _bxanalyze bxanalyze
complete -F _bxlive bxlive
