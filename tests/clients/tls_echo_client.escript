#!/usr/bin/env escript
%% Erlang's ssl client, an independent peer for pss's TLS sessions:
%%   escript tls_echo_client.escript PORT CA_FILE FRAMING
%% connects to 127.0.0.1:PORT verifying the server (name localhost) against
%% CA_FILE, sends 20 packets in pss's framing FRAMING (0, 1, 2, 4 or line),
%% one at a time, checks each echo, closes (close_notify) and prints
%% "ok VERSION"; anything else prints the error and exits 1.
main([PortText, CaFile, Framing]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Packet = case Framing of
                 "line" -> line;
                 _ -> list_to_integer(Framing)
             end,
    Opts = [binary, {packet, Packet}, {active, false},
            {verify, verify_peer}, {cacertfile, CaFile},
            {server_name_indication, "localhost"}],
    case ssl:connect("127.0.0.1", list_to_integer(PortText), Opts, 10000) of
        {ok, Socket} ->
            Payloads = [payload(I, Packet) || I <- lists:seq(1, 20)],
            Echoes = [echo(Socket, P, Packet) || P <- Payloads],
            {ok, [{protocol, Version}]} =
                ssl:connection_information(Socket, [protocol]),
            ok = ssl:close(Socket),
            case Echoes =:= Payloads of
                true -> io:format("ok ~p~n", [Version]);
                false -> io:format("mismatch ~p~n", [Echoes]), halt(1)
            end;
        {error, Reason} ->
            io:format("error ~p~n", [Reason]),
            halt(1)
    end.

payload(I, line) ->
    <<(payload(I, 0))/binary, "\n">>;
payload(I, _) ->
    iolist_to_binary(io_lib:format("erlang packet ~p ~s", [I, lists:duplicate(I, $x)])).

%% Without a header ({packet, 0}) a read returns what has arrived: read
%% exactly the payload's length.
echo(Socket, Payload, Packet) ->
    ok = ssl:send(Socket, Payload),
    Length = case Packet of
                 0 -> byte_size(Payload);
                 _ -> 0
             end,
    case ssl:recv(Socket, Length, 10000) of
        {ok, Echo} -> Echo;
        Error -> Error
    end.
