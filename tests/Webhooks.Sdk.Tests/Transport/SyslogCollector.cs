using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Webhooks.Sdk.Tests.Transport;

/// <summary>
/// A syslog-over-TLS collector on 127.0.0.1 for tests: a certificate authority generated for the run signs its server
/// certificate (for <see cref="HostName"/>); it can require a client certificate, records the client certificate each
/// connection presented, and reads RFC 6587 octet-counted frames from every connection until it closes.
/// </summary>
internal sealed class SyslogCollector : IAsyncDisposable
{
    public const string HostName = "collector.example.test";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2 _server;
    private readonly bool _requireClientCertificate;
    private readonly ConcurrentQueue<string> _messages = new();
    private readonly ConcurrentQueue<string?> _clientSubjects = new();
    private readonly ConcurrentBag<TcpClient> _clients = [];
    private readonly Task _accepting;
    private int _connections;

    private SyslogCollector(bool requireClientCertificate)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Test Collector CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Authority = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + HostName, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(HostName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(Authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(6), [1, 2, 3, 4]);
        using var withKey = signed.CopyWithPrivateKey(key);
        _server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        _requireClientCertificate = requireClientCertificate;
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    /// <summary>Gets the certificate authority that signed the server certificate (public part only is needed by clients).</summary>
    public X509Certificate2 Authority { get; }

    public string AuthorityPem => Authority.ExportCertificatePem();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Gets how many TLS sessions were established.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public IReadOnlyList<string> Messages => _messages.ToArray();

    /// <summary>Gets the subject of the client certificate each session presented (<see langword="null"/> for none).</summary>
    public IReadOnlyList<string?> ClientSubjects => _clientSubjects.ToArray();

    public static SyslogCollector Start(bool requireClientCertificate = false) => new(requireClientCertificate);

    /// <summary>Reads one <c>LEN SP MSG</c> frame, or <see langword="null"/> at the end of the stream.</summary>
    public static async Task<byte[]?> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var length = 0;
        var one = new byte[1];
        var digits = 0;
        while (true)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                return null;
            }

            if (one[0] == ' ' && digits > 0)
            {
                break;
            }

            length = (length * 10) + (one[0] - '0');
            digits++;
        }

        var frame = new byte[length];
        await stream.ReadExactlyAsync(frame, cancellationToken);
        var prefix = Encoding.ASCII.GetBytes(length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ");
        return [.. prefix, .. frame];
    }

    public async Task WaitForMessagesAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (_messages.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The collector got {_messages.Count} of {count} messages.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Closes every open connection from the collector's side (a collector restart, an idle timeout).</summary>
    public void DropConnections()
    {
        while (_clients.TryTake(out var client))
        {
            client.Client?.Close(0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropConnections();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _server.Dispose();
        Authority.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _clients.Add(client);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            await using var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) => certificate is not null || !_requireClientCertificate); // a self-signed client certificate: its subject is recorded and checked by the test
            await ssl.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificate = _server,
                    ClientCertificateRequired = _requireClientCertificate,
                },
                _stop.Token);
            _clientSubjects.Enqueue(ssl.RemoteCertificate?.Subject);
            Interlocked.Increment(ref _connections);
            while (await ReadFrameAsync(ssl, _stop.Token) is { } frame)
            {
                var text = Encoding.UTF8.GetString(frame);
                _messages.Enqueue(text[(text.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }
}
