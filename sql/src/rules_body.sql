    -- The rules (sql/src/rules_body.sql, compiled into normalize() and into the trigger, so the
    -- trigger pays no function call for most rows; both give exactly the same results). In:
    -- p_model_id, p_base_model, p_name, p_provider. Out: r_model_id, r_rule, r_kind ('location' /
    -- 'opaque' when the row is rewritten, null when it is left as written). The trigger runs
    -- the parts between "-- [hand over]" and "-- [/hand over]" (and TAKE's "-- [take]" parts)
    -- otherwise: it hands the row over to normalize() there (scripts/compile_sql.py _PARTS), so
    -- a part holds only what the rows the fast tests take never need.
    r_model_id := p_model_id;
    <<rules>>
    begin
        if p_model_id is null then
            r_rule := 'keep:null';
            exit rules;
        end if;
        v_trimmed := {{TRIM_LONG:p_model_id}};
        -- What the value is: a location (any provider), an opaque id or a relative path (rewritten
        -- for self-hosted engines only), or readable (left as written). An over-long value is
        -- never parsed: only its start and cheap tests decide. (A location comes first: it is the
        -- common rewrite, and it is visible and needs neither the provider nor the length.)
        if pg_catalog.ascii(v_trimmed) = 47 or v_trimmed operator(pg_catalog.~) {{LOCATION}} then
            r_kind := 'location';
        else
            if not {{VISIBLE:v_trimmed}} then
                r_rule := 'keep:empty';
                exit rules;
            end if;
            v_self_hosted := {{SELF_HOSTED:p_provider}};
            v_too_long := not {{FITS:v_trimmed}};
            if {{OPAQUE:v_trimmed}} then
                if not v_self_hosted then
                    r_rule := 'keep:hosted_opaque';
                    exit rules;
                end if;
                r_kind := 'opaque';
            elsif v_self_hosted and not v_too_long and {{RELATIVE:v_trimmed}} then
                r_kind := 'location';
            elsif v_self_hosted and v_too_long and {{LONG_RELATIVE:v_trimmed}} then
                r_kind := 'location';
            else
                r_rule := 'keep:readable';
                exit rules;
            end if;
        end if;

        -- Rule 1: the base model, if usable.
        v_base := {{TRIM:p_base_model}};
        v_first := 2;
        if v_base is not null then
            -- (a plain org/name first: a few expressions, where the full test takes dozens)
            if {{FAST_HUB:v_base}} then
                r_model_id := v_base;
                r_rule := '1:base_model';
                exit rules;
            end if;
            -- [hand over]
            if {{USABLE:v_base}}
               and pg_catalog.lower(v_base collate "C") operator(pg_catalog.<>) all ({{UNUSABLE_BASE}}) then
                r_model_id := v_base;
                r_rule := '1:base_model';
                exit rules;
            end if;
            -- A base model that is itself a location (or a relative path) is parsed like one.
            if {{FITS:v_base}}
               and ({{IS_LOCATION:v_base}}
                    or ({{IS_SELF_HOSTED}} and not {{OPAQUE:v_base}} and {{RELATIVE:v_base}})) then
                v_first := 1;
            end if;
            -- [/hand over]
        end if;

        -- Rules 2-3, first on such a base model (rule 1, pass 1), then on model_id (pass 2).
        -- (an opaque id or an over-long value is not parsed)
        for v_pass in v_first .. 2 loop
            v_value := case when v_pass = 1 then v_base
                            when r_kind = 'location' and {{FITS:v_trimmed}} then v_trimmed end;
            continue when v_value is null;

            -- Rule 2: a route or gateway prefix in front of Ollama's name of a model pulled from a
            -- registry (LiteLLM's ollama_chat/hf.co/{org}/{repo}:{tag}): that name, without the
            -- prefix. (A path starting with '/' pays one test for it; one with no '.', no regular
            -- expression.)
            if pg_catalog.ascii(v_value) <> 47 then
                -- (first, Ollama's name of a model in its own registry, with no scheme and maybe
                -- behind a route, registry.ollama.ai/library/gemma4:e4b, since 1.18: read as
                -- ollama://, which the URIs' rule below names)
                if {{OLLAMA_HOSTED_GATE:v_value}} then
                    v_match := pg_catalog.regexp_match(v_value, {{OLLAMA_HOST_PATH}});
                    if v_match is not null then
                        v_value := 'ollama://' || v_match[1];
                    end if;
                end if;
                if pg_catalog.strpos(v_value, ':/') = 0 and {{ROUTED_REGISTRY:v_value}} then
                    v_candidate := pg_catalog.substr(v_value, pg_catalog.strpos(v_value, '/') + 1);
                    {{TAKE:2:hub_id}}
                end if;
            end if;

            -- Rule 2: https://huggingface.co/{org}/{name}/... (and its mirrors), ModelScope's
            -- pages, hf://, huggingface://, modelscope:// and ms://. (First, the short hub URIs
            -- hf:{org}/{name}... and hf-hub:{org}/{name} are read as hf://; a URI's query
            -- string and fragment are no part of a name: a signed URL's token never becomes one.
            -- Then, for the rules below, a host or a volume's claim is no folder:
            -- https://{host}/{path} and KServe's pvc://{claim}/{path} are named from their path;
            -- and an OCI image's tag or digest is no part of its name.) (A path with no ':', the
            -- common case, pays one test for all of it, as it did for the URIs alone.)
            if pg_catalog.strpos(v_value, ':') > 0 then
                if pg_catalog.strpos(v_value, ':/') = 0
                   and pg_catalog.ascii(v_value) operator(pg_catalog.=) any ('{72,104}')
                   and v_value operator(pg_catalog.~) {{SHORT_HUB_URI}} then
                    v_value := 'hf://' || pg_catalog.substr(v_value, pg_catalog.strpos(v_value, ':') + 1);
                end if;
                if pg_catalog.strpos(v_value, ':/') > 0 then
                    if pg_catalog.strpos(v_value, '?') > 0 or pg_catalog.strpos(v_value, '#') > 0 then
                        v_value := pg_catalog.regexp_replace(v_value, {{URI_QUERY}}, '\1');
                    end if;
                    -- (Ollama's pages and registry, https://ollama.com/{path}, read as ollama://)
                    if pg_catalog.ascii(v_value) operator(pg_catalog.=) any ('{72,104}') then
                        v_match := pg_catalog.regexp_match(v_value, {{OLLAMA_URL}});
                        if v_match is not null then
                            v_value := 'ollama://' || v_match[1];
                        end if;
                    end if;
                    v_match := pg_catalog.regexp_match(v_value, {{HUB_URL}});
                    if v_match is not null then
                        v_candidate := pg_catalog.btrim(v_match[2] || '/' || v_match[3], {{WS}});
                        {{TAKE:2:hub_id}}
                    end if;
                    -- ollama://{namespace}/{model}[:{tag}]: the name Ollama gives the model, without
                    -- the default namespace (library).
                    if pg_catalog.ascii(v_value) operator(pg_catalog.=) any ('{79,111}') then
                        v_match := pg_catalog.regexp_match(v_value, {{OLLAMA_REF}});
                        if v_match is not null then
                            v_candidate := pg_catalog.substr(v_value, case
                                when pg_catalog.lower(v_match[1] collate "C") operator(pg_catalog.=) {{OLLAMA_NAMESPACE}}
                                    then 11 + pg_catalog.length(v_match[1]) else 10 end);
                            {{TAKE:2:hub_id}}
                        end if;
                    end if;
                    if pg_catalog.lower(pg_catalog.split_part(v_value, ':', 1) collate "C")
                       operator(pg_catalog.=) any ({{URI_SCHEMES_REWRITTEN}}) then
                        v_value := pg_catalog.regexp_replace(pg_catalog.regexp_replace(
                            v_value, {{VOLUME_URI}}, '\1://'), {{IMAGE_TAG}}, '\1');
                    end if;
                end if;
            end if;

            -- Rule 2: a Hugging Face cache folder models--{org}--{name}, innermost first. Each
            -- such folder is one '/models--' in '/' || the value (with '/' for '\'; the string
            -- cannot overlap itself), so the path is not split into segments for it: split_part
            -- with a negative field counts from the end. (A cache path, the rule's common case,
            -- stops here and never pays for the segments below.) Then ModelScope's snapshot
            -- cache, a folder {org}--{name} followed by snapshots (and a revision:
            -- .../models/Qwen--Qwen3-4B/snapshots/master), innermost first: the folder splits on
            -- '--' into exactly two hub layout parts. (A path with no '--', the common case, pays
            -- one test for both, as it paid one for the first alone.)
            if pg_catalog.strpos(v_value, '--') > 0 then
                if pg_catalog.strpos(v_value, 'models--') > 0 then
                    v_slashed := '/' || pg_catalog.replace(v_value, '\', '/');
                    for k in 1 .. (pg_catalog.octet_length(v_slashed)
                                   - pg_catalog.octet_length(pg_catalog.replace(v_slashed, '/models--', ''))) / 9 loop
                        v_candidate := pg_catalog.btrim(pg_catalog.replace(pg_catalog.split_part(
                            pg_catalog.split_part(v_slashed, '/models--', -k), '/', 1), '--', '/'), {{WS}});
                        {{TAKE_AT_ONCE:2:hub_id}}
                    end loop;
                end if;
                v_segments := pg_catalog.string_to_array(pg_catalog.replace(v_value, '\', '/'), '/');
                v_count := pg_catalog.cardinality(v_segments);
                for i in reverse v_count - 1 .. 1 loop
                    continue when pg_catalog.strpos(v_segments[i], '--') = 0
                        or pg_catalog.lower(pg_catalog.btrim(v_segments[i + 1], {{WS}}) collate "C")
                           operator(pg_catalog.<>) {{SNAPSHOTS}};
                    v_candidate := {{DECODED:pg_catalog.replace({{TRIM:v_segments[i]}}, '--', '/')}};
                    continue when pg_catalog.octet_length(v_candidate)
                                  - pg_catalog.octet_length(pg_catalog.replace(v_candidate, '/', '')) <> 1;
                    v_org := pg_catalog.split_part(v_candidate, '/', 1);
                    v_name := pg_catalog.split_part(v_candidate, '/', 2);
                    if {{HUB_PART:v_org}} and {{HUB_PART:v_name}} then
                        {{TAKE:2:hub_id}}
                    end if;
                end loop;
            else
                v_segments := pg_catalog.string_to_array(pg_catalog.replace(v_value, '\', '/'), '/');
                v_count := pg_catalog.cardinality(v_segments);
            end if;

            -- Rule 2: LiteLLM's route {provider}/{model} (hosted_vllm/Qwen/Qwen3-8B): the model, if
            -- usable, else rule 3. Then {org}/{repo}:{branch or weights file} (a relative path
            -- since 1.16: text-generation-webui's download of a branch, Lemonade's checkpoint):
            -- org/repo. Then a relative {org}/{name}/, a hub id with a trailing separator (as a
            -- download's --local-dir writes it; a location's first segment is never a hub part),
            -- or with a weights file (llama.cpp's {org}/{repo}/{file}).
            -- (Their tests sit behind the smallest test, in IFs of their own: PL/pgSQL sets up a
            -- whole expression, every function in it, the first time it runs in a transaction,
            -- even where AND stops early, so a single-row INSERT of a longer path would pay for
            -- the two HUB_PART tests, about 270,000 instructions.)
            if v_count <= 3 then
                if pg_catalog.lower(v_segments[1] collate "C")
                   operator(pg_catalog.=) any ({{ROUTE_PREFIXES}}) then
                    v_candidate := pg_catalog.btrim(pg_catalog.substr(
                        v_value, pg_catalog.length(v_segments[1]) + 2), {{WS}});
                    {{TAKE:2:hub_id}}
                elsif v_count = 3 and pg_catalog.lower(v_segments[1] collate "C")
                      operator(pg_catalog.=) any ({{GATEWAY_PREFIXES}}) then
                    -- (a gateway's route {route}/{org}/{name}: org/name)
                    if {{HUB_PART:v_segments[2]}} and {{HUB_PART:v_segments[3]}} then
                        v_candidate := v_segments[2] || '/' || v_segments[3];
                        {{TAKE:2:hub_id}}
                    end if;
                elsif v_count = 2 and pg_catalog.strpos(v_segments[2], ':') > 0 then
                    -- [hand over]
                    if {{HUB_REF:v_value}} then
                        v_candidate := v_segments[1] || '/' || pg_catalog.split_part(v_segments[2], ':', 1);
                        {{TAKE:2:hub_id}}
                    end if;
                    -- [/hand over]
                elsif v_count = 3
                      and (v_segments[3] = '' or {{WEIGHTS_FILE:pg_catalog.btrim(v_segments[3], {{WS}})}})
                      and {{HUB_PART:v_segments[1]}} and {{HUB_PART:v_segments[2]}} then
                    v_candidate := {{DECODED:v_segments[1] || '/' || v_segments[2]}};
                    {{TAKE:2:hub_layout}}
                end if;
            -- Rule 2: Ollama's store, .../manifests/{host}/{namespace}/{model}/{tag}: the name
            -- Ollama gives the model, {model}:{tag}, with {namespace}/ and {host}/ in front when
            -- they are not the defaults (registry.ollama.ai, library). (With four segments,
            -- v_segments[0] is null: no manifest.)
            elsif v_segments[v_count - 4] operator(pg_catalog.=) {{OLLAMA_MANIFESTS}} then
                v_match := pg_catalog.regexp_match(
                    pg_catalog.array_to_string(v_segments[v_count - 3 : v_count], '/'), {{OLLAMA_MANIFEST}});
                if v_match is not null then
                    v_candidate := case
                        when pg_catalog.lower(v_match[1] collate "C") operator(pg_catalog.<>) {{OLLAMA_HOST}}
                            then v_match[1] || '/' || v_match[2] || '/'
                        when pg_catalog.lower(v_match[2] collate "C") operator(pg_catalog.<>) {{OLLAMA_NAMESPACE}}
                            then v_match[2] || '/'
                        else '' end || v_match[3] || ':' || v_match[4];
                    {{TAKE:2:hub_layout}}
                end if;
            end if;

            -- Rule 2: a hub layout .../{container}/{org}/{name}, after a trailing weights file
            -- and step/artifact folders (LM Studio, ModelScope, --local-dir, s3://models/...).
            if {{HUB_LAYOUT:v_value}} then
                -- The name: walk up from the end past a trailing weights file and the skipped
                -- folders (empty segments do not count; v_state is 1 once a visible segment was
                -- seen, since only the first may be the trailing file).
                v_state := 0;
                for i in reverse v_count .. 1 loop
                    v_candidate := {{TRIM:v_segments[i]}};
                    continue when not {{VISIBLE:v_candidate}};
                    if v_state = 0 then
                        v_state := 1;
                        continue when {{WEIGHTS_FILE:v_candidate}};
                    end if;
                    v_lower := pg_catalog.lower(v_candidate collate "C");
                    if {{SKIPPED:v_lower}} or {{GENERIC_WEIGHTS_FILE:v_candidate}} then
                        -- (Kaggle's {framework}/{variation} above a version folder and AReaL's
                        -- {trial}/{role} above its step folder: blanked, so both walks skip them;
                        -- a weights file is neither)
                        {{SKIP_LAYOUT:i}}
                        continue;
                    end if;
                    v_stop := i;
                    exit;
                end loop;
                -- The org and the container: the next two visible segments above the name (in
                -- v_name; v_lower is its lower-cased form).
                v_name := v_candidate;
                if v_stop > 1 then
                    v_org := null;
                    for i in reverse v_stop - 1 .. 1 loop
                        v_candidate := {{TRIM:v_segments[i]}};
                        continue when not {{VISIBLE:v_candidate}};
                        if v_org is null then
                            v_org := v_candidate;
                            continue;
                        end if;
                        -- (not when a version folder is directly below the name: a model
                        -- repository's {repo}/{model}/{version}, Triton's {model}/1/model.onnx)
                        if pg_catalog.lower(v_candidate collate "C") operator(pg_catalog.=) any ({{HUB_CONTAINERS}})
                           and {{HUB_PART:v_org}} and {{HUB_PART:v_name}}
                           and not coalesce(pg_catalog.lower(pg_catalog.btrim(v_segments[v_stop + 1], {{WS}}) collate "C")
                                            operator(pg_catalog.~) {{MODEL_VERSION}}, false) then
                            -- (ModelScope's folders write a '.' in a name as '___')
                            v_candidate := {{DECODED:v_org || '/' || v_name}};
                            {{TAKE_AT_ONCE:2:hub_layout}}
                        end if;
                        exit;
                    end loop;
                end if;
                -- Rule 3 starts at the hub walk's name when the segments after it have no '.' or
                -- ':' (below), and takes that name at once when FAST_NAME holds and it is no
                -- container: then its result is given here, without testing the segment again.
                -- (The walk found the name visible, not skipped and no generic weights file;
                -- FAST_NAME puts an ASCII letter first and admits no ':' and no weights extension,
                -- so rule 3 would neither skip it, strip it nor stop at it as a root.)
                -- (one segment after the name, the common case, without a slice of the array)
                if v_stop < v_count
                   and (case when v_stop = v_count - 1 then v_segments[v_count]
                             else pg_catalog.array_to_string(v_segments[v_stop + 1 : v_count], '/') end)
                       operator(pg_catalog.~~) any ('{%.%,%:%}') then
                    v_stop := null;
                elsif v_stop is not null and not ({{CONTAINER:v_lower}}) and {{FAST_NAME:v_name}} then
                    -- (ModelScope's download folder, as rule 3 reads it below)
                    {{MODELSCOPE_NAME:v_stop}}
                    r_model_id := v_name;
                    r_rule := case when v_pass = 1 then '1:base_model_location' else '3:path_name' end;
                    exit rules;
                end if;
            end if;

            -- Rule 3: from the last segment backwards, skip generic weights files, strip a weights
            -- extension (and a shard suffix), skip step and artifact folders; the first other
            -- segment is the candidate, and nothing above it is used (but the org's folder of a
            -- ModelScope download, whose name writes a version's '.' as '___'). llama.cpp's
            -- converted file ggml-model-{type} is skipped too, and is the name when no folder
            -- above gives one (v_converted). (The hub layout's walk above skipped the segments
            -- after its name, v_stop, and rule 3 skips the same ones unless one has a '.' (a
            -- weights file, which rule 3 strips; so is every file the hub walk skips) or a ':' (a
            -- root, where rule 3 stops): when none has, rule 3 starts at that name, unless the hub
            -- walk gave rule 3's result for that name already. v_stop is null when the hub walk
            -- did not run or found no name, or when a segment after that name has a '.' or a ':'.)
            v_name := null;
            v_converted := null;
            for i in reverse coalesce(v_stop, v_count) .. 1 loop
                v_candidate := {{TRIM:v_segments[i]}};
                -- (a segment with no '.' or ':' whose first character is between '0' and 'z' is
                -- visible, no weights file and no root, which starts with '.', '$', '%' or '~' or
                -- ends with ':': three cheap tests instead of several)
                if not (pg_catalog.ascii(v_candidate) between 48 and 122
                        and pg_catalog.strpos(v_candidate, '.') = 0
                        and pg_catalog.strpos(v_candidate, ':') = 0) then
                    continue when not {{VISIBLE:v_candidate}};
                    continue when {{GENERIC_WEIGHTS_FILE:v_candidate}};
                    if {{WEIGHTS_EXT:v_candidate}} then
                        v_candidate := pg_catalog.btrim({{STRIP_EXT:v_candidate}}, {{WS}});
                        v_candidate := {{STRIP_SHARD:v_candidate}};
                        continue when not {{VISIBLE:v_candidate}};
                        if v_converted is null
                           and pg_catalog.lower(v_candidate collate "C") operator(pg_catalog.~) {{CONVERTED_FILE}} then
                            v_converted := v_candidate;
                            continue;
                        end if;
                    end if;
                    -- The root of the path (".", "..", "~", "C:", "s3:", $HOME): no name.
                    exit when {{ROOT:v_candidate}};
                end if;
                v_lower := pg_catalog.lower(v_candidate collate "C");
                if {{SKIPPED:v_lower}} then
                    {{SKIP_LAYOUT:i}}
                    continue;
                end if;
                -- (the hub walk above gives the FAST_NAME case's result for its own name: a
                -- change to this test is a change to that one)
                if {{CONTAINER:v_lower}} then
                    -- A run's checkpoints folder directly above a skipped folder or file (with its
                    -- weights extension stripped) is skipped ({run}/checkpoints/{step}, .../best,
                    -- .../last.ckpt, .../14499); any other container ends the walk.
                    if v_lower operator(pg_catalog.=) any ({{STEP_CONTAINERS}}) and i < v_count then
                        v_next := pg_catalog.lower(pg_catalog.btrim(v_segments[i + 1], {{WS}}) collate "C");
                        if {{WEIGHTS_EXT:v_next}} then
                            v_next := {{STRIP_EXT:v_next}};
                        end if;
                        continue when {{SKIPPED:v_next}};
                    end if;
                else
                    if {{FAST_NAME:v_candidate}} then
                        v_name := v_candidate;
                    elsif {{FAST_NAME_MORE:v_candidate}} then
                        -- (7B; Ollama's {model}:{tag}, ollama://gemma:2b: no root, which ends
                        -- with ':')
                        v_name := v_candidate;
                    else
                        -- [hand over]
                        if {{USABLE:v_candidate}} then
                            v_name := v_candidate;
                        end if;
                        -- [/hand over]
                    end if;
                    {{MODELSCOPE_NAME:i}}
                end if;
                exit;
            end loop;
            v_name := coalesce(v_name, v_converted);
            if v_name is not null then
                r_model_id := v_name;
                r_rule := case when v_pass = 1 then '1:base_model_location' else '3:path_name' end;
                exit rules;
            end if;
            -- (the next pass walks another value: no name from this one's hub walk)
            v_stop := null;
        end loop;

        -- Rule 4: the row's own display name.
        v_value := {{TRIM:p_name}};
        if {{FAST_NAME:v_value}} then
            r_model_id := v_value;
            r_rule := '4:name';
            exit rules;
        elsif {{FAST_NAME_MORE:v_value}} then
            r_model_id := v_value;
            r_rule := '4:name';
            exit rules;
        elsif v_value is not null then
            -- [hand over]
            if {{USABLE:v_value}} then
                r_model_id := v_value;
                r_rule := '4:name';
                exit rules;
            end if;
            -- [/hand over]
        end if;

        -- Rule 5 for locations; an opaque id with nothing readable is left as written.
        if r_kind = 'location' then
            r_model_id := {{FALLBACK}};
            r_rule := '5:local_model';
        else
            r_kind := null;
            r_rule := 'keep:opaque_no_name';
        end if;
    end;
